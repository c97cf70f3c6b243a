#!/usr/bin/env node
// Stand-in for docker in the image scripts' tests: `login` reads the password from stdin, and
// `buildx imagetools create --tag <repository url>:<tag> <repository url>@<digest>` copies an image within
// FAKE_ECR_IMAGES (see aws.js). Calls are logged to FAKE_LOG.
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["docker", ...args]) + "\n");

if (args[0] === "login") {
    fs.readFileSync(0);
    console.log("Login Succeeded");
} else if (args.slice(0, 3).join(" ") === "buildx imagetools create" && args[3] === "--tag") {
    const repositoryName = (url) => url.slice(url.indexOf("/") + 1);
    const digest = args[5].split("@")[1];
    const images = JSON.parse(fs.readFileSync(process.env.FAKE_ECR_IMAGES, "utf8"));
    images[repositoryName(args[4])] = digest;
    fs.writeFileSync(process.env.FAKE_ECR_IMAGES, JSON.stringify(images));
} else {
    console.error(`fake docker: unexpected call: ${args.join(" ")}`);
    process.exit(2);
}
