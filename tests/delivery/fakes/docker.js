#!/usr/bin/env node
// Stand-in for docker in the image scripts' tests. `login` reads the password from stdin. `buildx imagetools create`
// behaves as docker/buildx does (commands/imagetools/create.go, util/imagetools/create.go, `Combine`):
//   - flags: -t/--tag (repeatable), --prefer-index[=true|false] (a boolean: default true; `--prefer-index false`
//     would make "false" a source), --annotation, --dry-run; every other argument is a source;
//   - one source that is an index is copied as it is; one single-platform manifest is copied as it is only with
//     --prefer-index=false (and no annotation); otherwise a new index wrapping the sources is pushed, whose digest is
//     the digest of its own bytes, not the source's.
// Images live in FAKE_ECR_IMAGES (see aws.js; an untagged image as "<name>@<digest>"); FAKE_ECR_INDEXES lists the digests that are indexes (default none:
// the deploy workflow pushes one linux/amd64 manifest without attestations). Calls are logged to FAKE_LOG.
const crypto = require("node:crypto");
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["docker", ...args]) + "\n");
const fail = (message) => {
    console.error(`ERROR: ${message}`);
    process.exit(1);
};

if (args[0] === "login") {
    fs.readFileSync(0);
    console.log("Login Succeeded");
} else if (args.slice(0, 3).join(" ") === "buildx imagetools create") {
    const tags = [];
    const sources = [];
    let preferIndex = true;
    let annotations = 0;
    for (let i = 3; i < args.length; i++) {
        const arg = args[i];
        if (arg === "--tag" || arg === "-t") tags.push(args[++i]);
        else if (arg.startsWith("--tag=")) tags.push(arg.slice(6));
        else if (arg === "--prefer-index") preferIndex = true;
        else if (arg.startsWith("--prefer-index=")) {
            const value = arg.slice(15);
            if (!["true", "false", "1", "0"].includes(value)) fail(`invalid argument "${value}" for "--prefer-index" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
            preferIndex = value === "true" || value === "1";
        } else if (arg === "--annotation") (annotations += 1), i++;
        else if (arg.startsWith("-")) fail(`unknown flag: ${arg}`);
        else sources.push(arg);
    }
    if (sources.length === 0) fail("no sources specified");
    if (tags.length === 0) fail("can't push with no tags specified, please set --tag or --dry-run");
    const images = JSON.parse(fs.readFileSync(process.env.FAKE_ECR_IMAGES, "utf8"));
    const indexes = JSON.parse(process.env.FAKE_ECR_INDEXES || "[]");
    const repositoryName = (reference) => reference.slice(reference.indexOf("/") + 1).replace(/[@:].*$/, "");
    const resolved = sources.map((source) => {
        const [repository, digest] = source.split("@");
        const known = Object.entries(images).some(([key, value]) => (key.startsWith(`${repositoryName(repository)}:`) || key.startsWith(`${repositoryName(repository)}@`)) && value === digest);
        if (digest === undefined || !known) fail(`${source}: not found`);
        return digest;
    });
    const copyAsIs = resolved.length === 1 && annotations === 0 && (indexes.includes(resolved[0]) || !preferIndex);
    const pushed = copyAsIs ? resolved[0] : `sha256:${crypto.createHash("sha256").update(`index of ${resolved.join(",")}`).digest("hex")}`;
    for (const tag of tags) images[`${repositoryName(tag)}:${tag.slice(tag.lastIndexOf(":") + 1)}`] = pushed;
    fs.writeFileSync(process.env.FAKE_ECR_IMAGES, JSON.stringify(images));
} else {
    console.error(`fake docker: unexpected call: ${args.join(" ")}`);
    process.exit(2);
}
