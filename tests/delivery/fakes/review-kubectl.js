#!/usr/bin/env node
// Stand-in for kubectl in the review sweeper's tests: the cluster's namespaces are FAKE_REVIEW_STATE's namespaces
// ([{ name, pr }], pr the eks-app.io/pull-request label). `get namespaces -l eks-app.io/pull-request -o json` lists
// those with the label; `delete namespace <name> --wait=false` removes one.
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["kubectl", ...args]) + "\n");
const state = JSON.parse(fs.readFileSync(process.env.FAKE_REVIEW_STATE, "utf8"));
const command = args.join(" ");
if (command === "get namespaces -l eks-app.io/pull-request -o json") {
    const items = state.namespaces.filter((n) => n.pr !== undefined).map((n) => ({ metadata: { name: n.name, labels: { "eks-app.io/pull-request": n.pr } } }));
    console.log(JSON.stringify({ apiVersion: "v1", kind: "List", items }));
} else if (args[0] === "delete" && args[1] === "namespace" && args[3] === "--wait=false") {
    state.namespaces = state.namespaces.filter((n) => n.name !== args[2]);
    fs.writeFileSync(process.env.FAKE_REVIEW_STATE, JSON.stringify(state));
} else {
    console.error(`fake kubectl: unexpected call: ${command}`);
    process.exit(1);
}
