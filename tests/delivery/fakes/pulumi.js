#!/usr/bin/env node
// Stand-in for the Pulumi CLI in the deploy script's tests. Records every call as a JSON line in
// FAKE_PULUMI_LOG and keeps a tiny stack in FAKE_PULUMI_STATE_DIR:
//   FAKE_PULUMI_PREVIOUS_TAG  the imageTag output before the first `up` (unset: the stack has none)
//   FAKE_PULUMI_URL           the url output
//   FAKE_PULUMI_FAILING_UPS   how many `up` calls fail before they succeed (default 0)
//   FAKE_PULUMI_OUTPUTS_FAIL  when set, reading all outputs fails as with an unreachable backend
const fs = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
const env = process.env;
fs.appendFileSync(env.FAKE_PULUMI_LOG, JSON.stringify(args) + "\n");

const statePath = path.join(env.FAKE_PULUMI_STATE_DIR, "stack.json");
const state = fs.existsSync(statePath)
    ? JSON.parse(fs.readFileSync(statePath, "utf8"))
    : { configuredTag: undefined, deployedTag: env.FAKE_PULUMI_PREVIOUS_TAG, ups: 0 };
const save = () => fs.writeFileSync(statePath, JSON.stringify(state));
const outputs = () => ({ ...(state.deployedTag === undefined ? {} : { imageTag: state.deployedTag }), url: env.FAKE_PULUMI_URL });
const command = args.slice(0, 3).join(" ");

if (command === "config set imageTag") {
    state.configuredTag = args[3];
    save();
} else if (args[0] === "up") {
    state.ups += 1;
    save();
    if (state.ups <= Number(env.FAKE_PULUMI_FAILING_UPS ?? 0)) {
        console.error("error: update failed");
        process.exit(255);
    }
    state.deployedTag = state.configuredTag;
    save();
} else if (command === "stack output --json") {
    if (env.FAKE_PULUMI_OUTPUTS_FAIL) {
        console.error("error: could not read the backend");
        process.exit(255);
    }
    console.log(JSON.stringify(outputs(), null, 4));
} else if (args[0] === "stack" && args[1] === "output" && args[2] in outputs()) {
    console.log(outputs()[args[2]]);
} else {
    console.error(`fake pulumi: unexpected call: ${args.join(" ")}`);
    process.exit(2);
}
