#!/usr/bin/env node
// Stand-in for the GitHub CLI in the review sweeper's tests: `gh pr view <n> --repo <r> --json state,labels --jq <q>`
// answers, as the sweeper's jq filter prints it, the state and labels in FAKE_REVIEW_STATE's prs
// ({ "1": { "state": "OPEN", "labels": ["stage"] } }; GitHub's states are OPEN, CLOSED and MERGED).
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["gh", ...args]) + "\n");
const state = JSON.parse(fs.readFileSync(process.env.FAKE_REVIEW_STATE, "utf8"));
const query = '[.state, ([.labels[].name] | index("stage") != null)] | @tsv';
if (args[0] === "pr" && args[1] === "view" && args.slice(3).join(" ") === `--repo acme/eks-app --json state,labels --jq ${query}` && args[2] in state.prs) {
    const pr = state.prs[args[2]];
    console.log(`${pr.state}\t${pr.labels.includes("stage")}`);
} else {
    console.error(`fake gh: unexpected call: ${args.join(" ")}`);
    process.exit(1);
}
