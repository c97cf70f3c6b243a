#!/usr/bin/env node
// Stand-in for the Pulumi CLI in the deploy script's tests. Records every call as a JSON line in FAKE_PULUMI_LOG:
// { args, program } where program is the program.txt of the directory it ran in (which commit's program ran).
// Keeps a tiny stack in FAKE_PULUMI_STATE_DIR; the commands and flags are the real CLI's (v3.248.0):
//   FAKE_PULUMI_PREVIOUS_TAG  the imageTag output before the first `up` (unset: the stack has none)
//   FAKE_PULUMI_LAST_GOOD     the stack tag eks-app:last-good-commit before the first call (unset: none)
//   FAKE_PULUMI_URL           the url output
//   FAKE_PULUMI_FAILING_UPS   how many `up` calls fail before they succeed (default 0); a failed `up` still writes
//                             the imageTag output, as a partly applied real update can
//   FAKE_PULUMI_OUTPUTS_FAIL  when set, reading all outputs fails as with an unreachable backend
//   FAKE_PULUMI_LOCKS         the stack's lock files, a JSON list of { user, host, pid, minutesAgo }, until
//                             `pulumi cancel` deletes them all (CancelCurrentUpdate in pkg/backend/diy/backend.go);
//                             `up` refuses a locked stack with the DIY backend's message (pkg/backend/diy/lock.go)
//   FAKE_PULUMI_CANCELLED     the stack tag eks-app:cancelled-update before the first call (unset: none)
//   FAKE_PULUMI_PENDING       pending_operations of the exported state, as JSON
//   FAKE_PULUMI_UP_WAITS      when set, `up` writes <state dir>/up-started and runs until a signal, which it records
const fs = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
const env = process.env;
const programFile = path.join(process.cwd(), "program.txt");
const program = fs.existsSync(programFile) ? fs.readFileSync(programFile, "utf8").trim() : undefined;
const log = (entry) => fs.appendFileSync(env.FAKE_PULUMI_LOG, JSON.stringify(entry) + "\n");
log({ args, program });

const statePath = path.join(env.FAKE_PULUMI_STATE_DIR, "stack.json");
const state = fs.existsSync(statePath)
    ? JSON.parse(fs.readFileSync(statePath, "utf8"))
    : {
          configured: {},
          deployedTag: env.FAKE_PULUMI_PREVIOUS_TAG,
          tags: {
              ...(env.FAKE_PULUMI_LAST_GOOD ? { "eks-app:last-good-commit": env.FAKE_PULUMI_LAST_GOOD } : {}),
              ...(env.FAKE_PULUMI_CANCELLED ? { "eks-app:cancelled-update": env.FAKE_PULUMI_CANCELLED } : {}),
          },
          locks: JSON.parse(env.FAKE_PULUMI_LOCKS || "[]").map((lock) => ({ ...lock, at: new Date(Date.now() - lock.minutesAgo * 60000).toISOString().replace(/\.\d+Z$/, "Z") })),
          ups: 0,
      };
const save = () => fs.writeFileSync(statePath, JSON.stringify(state));
const outputs = () => ({
    ...(state.deployedTag === undefined ? {} : { imageTag: state.deployedTag, image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/eks-app-dev@sha256:${"d".repeat(64)}` }),
    url: env.FAKE_PULUMI_URL,
});
const fail = (message) => {
    console.error(`error: ${message}`);
    process.exit(255);
};
const command = args.slice(0, 3).join(" ");

if (command === "config set imageTag" || command === "config set iamPermissionsBoundaryArn") {
    state.configured[`${process.cwd()} ${args[2]}`] = args[3];
    save();
} else if (args[0] === "config" && args[1] === "rm") {
    // Removing a key that is not set succeeds, as in the real CLI (config.Map.Remove).
    delete state.configured[`${process.cwd()} ${args[2]}`];
    save();
} else if (args[0] === "cancel") {
    state.locks = [];
    save();
    console.log(`The currently running update for '${args[args.indexOf("--stack") + 1]}' has been canceled!`);
} else if (args[0] === "up") {
    // The flags of `pulumi up` the scripts use, with and without a value (pkg/cmd/pulumi/operations/up.go,
    // v3.248.0); any other fails as the real CLI's flag parser does.
    const valueFlags = ["--stack", "--message", "--policy-pack", "--target"];
    for (let i = 1; i < args.length; i += valueFlags.includes(args[i]) ? 2 : 1) {
        if (args[i] !== "--yes" && !valueFlags.includes(args[i])) fail(`unknown flag: ${args[i]}`);
    }
    if (state.locks.length > 0) {
        fail(
            `the stack is currently locked by ${state.locks.length} lock(s). Either wait for the other process(es) to end or delete the lock file with \`pulumi cancel\`.` +
                state.locks.map((lock, i) => `\n  file:///state/.pulumi/locks/organization/eks-app/dev/lock-${i}.json: created by ${lock.user}@${lock.host} (pid ${lock.pid}) at ${lock.at}`).join(""),
        );
    }
    state.ups += 1;
    const tag = state.configured[`${process.cwd()} imageTag`];
    save();
    if (env.FAKE_PULUMI_UP_WAITS) {
        const finish = (signal) => {
            log({ signal, program });
            // The real CLI finishes the operations in flight, writes the state and releases the lock, then fails.
            setTimeout(() => fail("update canceled"), 100);
        };
        process.on("SIGINT", () => finish("SIGINT"));
        process.on("SIGTERM", () => finish("SIGTERM"));
        fs.writeFileSync(path.join(env.FAKE_PULUMI_STATE_DIR, "up-started"), String(process.pid));
        setInterval(() => {}, 1000);
        return;
    }
    state.deployedTag = tag;
    save();
    if (state.ups <= Number(env.FAKE_PULUMI_FAILING_UPS ?? 0)) fail("update failed");
} else if (command === "stack export --stack") {
    console.log(JSON.stringify({ version: 3, deployment: { manifest: {}, resources: [], pending_operations: JSON.parse(env.FAKE_PULUMI_PENDING || "[]") } }));
} else if (command === "stack output --json") {
    if (env.FAKE_PULUMI_OUTPUTS_FAIL) fail("could not read the backend");
    console.log(JSON.stringify(outputs(), null, 4));
} else if (args[0] === "stack" && args[1] === "output" && args[2] in outputs()) {
    console.log(outputs()[args[2]]);
} else if (command === "stack tag get") {
    if (!(args[3] in state.tags)) fail(`stack tag '${args[3]}' not found for stack 'dev'`);
    console.log(state.tags[args[3]]);
} else if (command === "stack tag set") {
    state.tags[args[3]] = args[4];
    save();
} else {
    console.error(`fake pulumi: unexpected call: ${args.join(" ")}`);
    process.exit(2);
}
