// The harness keeps each finished program run for the rest of the process (harness/program.ts): tests that ask for
// the same stack and config share one run, yet each gets its own copy, and anything else runs afresh.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProgramError, repositoryRoot, runProgram } from "../harness";

const programModule = path.join(repositoryRoot, "index.ts");

describe("the harness's program runs", () => {
    it("runs a stack's program once for every caller with the same config, each getting a copy of its own", async () => {
        const first = await runProgram("local");
        const loaded = require.cache[programModule];
        const [kept] = first.resources;
        const inputs = JSON.stringify(kept.inputs);
        kept.inputs.changedByATest = true;
        first.resources.pop();
        first.outputs.changedByATest = true;
        first.secretOutputs.add("changedByATest");

        const second = await runProgram("local");
        // Compared, not diffed: a module object is too large to print.
        assert.ok(require.cache[programModule] === loaded, "the program was not loaded and run again");
        assert.equal(second.resources.length, first.resources.length + 1);
        assert.equal(JSON.stringify(second.resources[0].inputs), inputs);
        assert.ok(!("changedByATest" in second.outputs) && !second.secretOutputs.has("changedByATest"));
        assert.equal(second.one(kept.type, kept.name).name, kept.name, "its lookups read its own copy");
    });

    it("runs the program again for other config, a function mock or after a failure", async () => {
        await runProgram("local");
        let loaded = require.cache[programModule];
        const replicas = await runProgram("local", { config: { "eks-app:appMinReplicas": "1" } });
        assert.ok(require.cache[programModule] !== loaded, "other config");
        assert.equal(replicas.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec.minReplicas, 1);

        loaded = require.cache[programModule];
        await runProgram("local", { calls: {} });
        assert.ok(require.cache[programModule] !== loaded, "a function mock");

        const failing = { config: { "eks-app:appMinReplicas": "0" } };
        await assert.rejects(runProgram("local", failing), ProgramError);
        loaded = require.cache[programModule];
        await assert.rejects(runProgram("local", failing), ProgramError);
        assert.ok(require.cache[programModule] !== loaded, "after a failure");
    });
});

describe("TypeScript for Node with its output kept by content (harness/ts-register.js)", () => {
    const run = (file: string) => spawnSync(process.execPath, ["-r", path.join(repositoryRoot, "harness", "ts-register.js"), file], { encoding: "utf8" });

    it("runs a changed file as it now reads, and points a stack trace at the TypeScript line, kept or not", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-register-"));
        const file = path.join(dir, "fails.ts");
        try {
            // Each version twice: transpiled, then read from the cache.
            for (const [line, message] of [[3, "first"], [3, "first"], [4, "second"], [4, "second"]] as const) {
                const blank = "\n".repeat(line - 3);
                fs.writeFileSync(file, `const reason: string = "${message}";\nconsole.log(reason);\n${blank}throw new Error(reason);\n`);
                const { status, stdout, stderr } = run(file);
                assert.equal(status, 1);
                assert.equal(stdout, `${message}\n`);
                assert.match(stderr, new RegExp(`Error: ${message}\\n\\s+at .*fails\\.ts:${line}:7`));
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
