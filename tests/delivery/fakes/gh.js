#!/usr/bin/env node
// Stand-in for the GitHub CLI in require-staging-success.sh's tests: `gh api --method GET <path> -f k=v ... --jq
// .total_count` answers how many runs in FAKE_GH_RUNS (a JSON list of { head_sha, branch, event, conclusion }) match
// the query, as GitHub's "List workflow runs for a workflow" filters them. Calls are logged to FAKE_LOG.
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["gh", ...args]) + "\n");
if (args[0] !== "api" || args[1] !== "--method" || args[2] !== "GET" || args.at(-2) !== "--jq" || args.at(-1) !== ".total_count") {
    console.error(`fake gh: unexpected call: ${args.join(" ")}`);
    process.exit(2);
}
const fields = Object.fromEntries(args.flatMap((arg, i) => (args[i - 1] === "-f" ? [arg.split("=")] : [])));
const runs = JSON.parse(process.env.FAKE_GH_RUNS).filter(
    (run) =>
        args[3] === `repos/${process.env.FAKE_GH_REPOSITORY}/actions/workflows/deploy.yml/runs` &&
        run.head_sha === fields.head_sha &&
        run.branch === fields.branch &&
        run.event === fields.event &&
        run.conclusion === fields.status,
);
console.log(runs.length);
