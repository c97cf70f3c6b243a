#!/usr/bin/env node
// Stand-in for the GitHub CLI in require-staging-success.sh's tests. Calls are logged to FAKE_LOG.
//   gh api --method GET <path> -f k=v ... --jq '.workflow_runs[0].id // ""'   the newest of the runs in FAKE_GH_RUNS
//       (a JSON list of { id, head_sha, branch, event, conclusion }) that match the query, as GitHub's "List workflow
//       runs for a workflow" filters them (newest first), or nothing;
//   gh run download <run id> --repo <owner/repo> --name <artifact> --dir <dir>   writes <dir>/<file> from FAKE_GH_ARTIFACTS
//       ({ "<run id>": { "<artifact>": { "<file>": content } } }); otherwise fails as gh does.
const fs = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["gh", ...args]) + "\n");
const unexpected = () => {
    console.error(`fake gh: unexpected call: ${args.join(" ")}`);
    process.exit(2);
};
const option = (name) => args[args.indexOf(name) + 1];

if (args[0] === "api") {
    if (args[1] !== "--method" || args[2] !== "GET" || args.at(-2) !== "--jq" || args.at(-1) !== '.workflow_runs[0].id // ""') unexpected();
    const fields = Object.fromEntries(args.flatMap((arg, i) => (args[i - 1] === "-f" ? [arg.split("=")] : [])));
    const runs = JSON.parse(process.env.FAKE_GH_RUNS).filter(
        (run) =>
            args[3] === `repos/${process.env.FAKE_GH_REPOSITORY}/actions/workflows/deploy.yml/runs` &&
            run.head_sha === fields.head_sha &&
            run.branch === fields.branch &&
            run.event === fields.event &&
            run.conclusion === fields.status,
    );
    const newest = runs.sort((a, b) => b.id - a.id)[0];
    console.log(newest === undefined ? "" : newest.id);
} else if (args[0] === "run" && args[1] === "download") {
    if (option("--repo") !== process.env.FAKE_GH_REPOSITORY) unexpected();
    const files = JSON.parse(process.env.FAKE_GH_ARTIFACTS || "{}")[args[2]]?.[option("--name")];
    if (files === undefined) {
        console.error("no artifact matches any of the names or patterns provided");
        process.exit(1);
    }
    for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(option("--dir"), file), content);
} else {
    unexpected();
}
