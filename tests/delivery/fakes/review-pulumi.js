#!/usr/bin/env node
// Stand-in for the Pulumi CLI (v3.248.0) in the review scripts' tests: the review stacks of one backend, in the JSON
// file FAKE_REVIEW_STATE ({ stacks: { "pr-1": { expiresAt, locked, encryptedkey } }, namespaces: [...] }). Calls are
// logged to FAKE_LOG. `destroy` deletes the stack's namespace, as the real destroy of a review stack does, and fails
// on a locked stack with the DIY backend's message (pkg/backend/diy/lock.go); `stack rm` refuses a stack that still
// has resources, as the real CLI does without --force.
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["pulumi", ...args]) + "\n");
const state = JSON.parse(fs.readFileSync(process.env.FAKE_REVIEW_STATE, "utf8"));
const save = () => fs.writeFileSync(process.env.FAKE_REVIEW_STATE, JSON.stringify(state));
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const fail = (message) => {
    console.error(`error: ${message}`);
    process.exit(255);
};
const stackOf = () => {
    const name = option("--stack") ?? state.selected;
    if (!(name in state.stacks)) fail(`no stack named '${name}' found`);
    return [name, state.stacks[name]];
};

if (args[0] === "stack" && args[1] === "ls" && args.includes("--json")) {
    console.log(JSON.stringify([{ name: "organization/eks-app/dev" }, ...Object.keys(state.stacks).map((name) => ({ name: `organization/eks-app/${name}` }))]));
} else if (args[0] === "stack" && args[1] === "select") {
    if (!(args[2] in state.stacks)) fail(`no stack named '${args[2]}' found`);
    state.selected = args[2];
    save();
} else if (args[0] === "stack" && args[1] === "export") {
    const [, stack] = stackOf();
    console.log(JSON.stringify({ version: 3, deployment: { secrets_providers: { type: "cloud", state: { url: "awskms://alias/eks-app-pulumi-secrets-dev", encryptedkey: stack.encryptedkey } } } }));
} else if (args[0] === "stack" && args[1] === "output") {
    if (option("--stack") === "dev" && args[2] === "kubeconfig") {
        console.log("{}");
    } else {
        const [, stack] = stackOf();
        if (!(args[2] in (stack.outputs ?? {}))) fail(`current stack does not have output property '${args[2]}'`);
        console.log(stack.outputs[args[2]]);
    }
} else if (args[0] === "destroy") {
    const [name, stack] = stackOf();
    if (!args.includes("--config-file")) fail("destroy of a review stack needs its --config-file");
    if (stack.locked) fail(`the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.`);
    stack.resources = 0;
    state.namespaces = state.namespaces.filter((namespace) => namespace.name !== `eks-app-${name}`);
    save();
} else if (args[0] === "stack" && args[1] === "rm") {
    const [name, stack] = stackOf();
    if (stack.resources !== 0) fail(`'${name}' still has resources; removal rejected. Possible actions:\n- Make sure that '${name}' is the stack that you want to destroy\n- Run \`pulumi destroy\` to delete the resources, then run \`pulumi stack rm\``);
    delete state.stacks[name];
    save();
} else {
    fail(`fake pulumi: unexpected call: ${args.join(" ")}`);
}
