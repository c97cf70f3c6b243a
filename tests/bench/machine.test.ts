// The benchmark's guards (bench/machine.ts, bench/redirect.ts): ratios are refused when other work shares the
// machine, and the app is measured with the flags its image starts it with.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { busyReason, cpuSecondsOf, foreignCpu, machineCpuSeconds, MAX_FOREIGN_CPU_SHARE } from "../../bench/machine";
import { exitCode, nodeFlagsOfImage } from "../../bench/redirect";
import { repositoryRoot } from "../../harness";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the benchmark's machine guard (bench/machine.ts)", function () {
    this.timeout(30_000);

    it("reads the machine's busy and total CPU from /proc/stat's first line, iowait counted idle", () => {
        // Linux 6.x prints this header line exactly so (ticks of 1/100 s: user nice system idle iowait irq softirq steal guest guest_nice).
        const procStat = "cpu  37830 131 9342 576910 302 0 133 71 0 0\ncpu0 18711 50 4275 289274 23 0 27 38 0 0\n";
        const { busy, total } = machineCpuSeconds(procStat);
        assert.equal(total, (37830 + 131 + 9342 + 576910 + 302 + 0 + 133 + 71) / 100);
        assert.equal(busy, (37830 + 131 + 9342 + 0 + 133 + 71) / 100);
        const live = machineCpuSeconds();
        assert.ok(live.total > live.busy && live.busy > 0, JSON.stringify(live));
    });

    it("counts a busy process as foreign work, and not when the benchmark owns it", async () => {
        const spinner = spawn(process.execPath, ["-e", "const end = Date.now() + 20000; while (Date.now() < end);"], { stdio: "ignore" });
        try {
            await sleep(100);
            const spinnerBefore = cpuSecondsOf(spinner.pid!);
            const notOwned = foreignCpu(() => []);
            const owned = foreignCpu(() => [spinner.pid!]);
            const machineBefore = machineCpuSeconds();
            await sleep(1500);
            const ownedShare = owned.end();
            const notOwnedShare = notOwned.end();
            const machineAfter = machineCpuSeconds();
            const spinnerShare = (cpuSecondsOf(spinner.pid!) - spinnerBefore) / (machineAfter.total - machineBefore.total);
            assert.ok(spinnerShare > 0.08, `the spinner ran (${spinnerShare} of the machine)`);
            // Both samplers saw the same machine; they differ by exactly the spinner's CPU (within the tick rounding).
            assert.ok(Math.abs(notOwnedShare - ownedShare - spinnerShare) < 0.03, `not owned ${notOwnedShare}, owned ${ownedShare}, spinner ${spinnerShare}`);
            assert.ok(notOwnedShare >= spinnerShare - 0.03);
        } finally {
            spinner.kill("SIGKILL");
        }
    });

    it("refuses ratios when other work used more than a tenth of the machine before or during a phase, naming it", () => {
        assert.equal(MAX_FOREIGN_CPU_SHARE, 0.1);
        assert.equal(busyReason(0.03, { bare: 0.02, app: 0.1 }), undefined);
        assert.match(busyReason(0.25, { bare: 0 }) ?? "", /other work used 25\.0 % of the machine's CPU before the run \(at most 10\.0 % allowed\)/);
        assert.match(busyReason(0.02, { bare: 0.05, "as deployed": 0.4, "cache off": 0.2 }) ?? "", /used 40\.0 % of the machine's CPU during "as deployed"/);
    });

    it("exits 2 when ratios were refused, even with every target met (tests/cli.test.ts checks 0 and 1), 0 with --report-only", () => {
        assert.equal(exitCode(true, [], true), 2);
        assert.equal(exitCode(false, [], true), 2);
        assert.equal(exitCode(false, ["--report-only"], true), 0);
    });
});

describe("the benchmark's app (bench/redirect.ts)", () => {
    it("starts the app with the node flags of app/Dockerfile's CMD, not its health check's", () => {
        const dockerfile = fs.readFileSync(path.join(repositoryRoot, "app", "Dockerfile"), "utf8");
        const cmd = /^CMD (\[.*\])\s*$/m.exec(dockerfile)?.[1];
        assert.deepEqual(nodeFlagsOfImage(dockerfile), (JSON.parse(cmd!) as string[]).slice(1, -1));
        assert.deepEqual(nodeFlagsOfImage('HEALTHCHECK --interval=10s \\\n  CMD ["node", "-e", "x"]\nCMD ["node", "--max-semi-space-size=8", "dist/src/main.js"]\n'), ["--max-semi-space-size=8"]);
        assert.deepEqual(nodeFlagsOfImage('CMD ["node", "dist/src/main.js"]\n'), []);
        assert.throws(() => nodeFlagsOfImage('CMD ["npm", "start"]\n'), /app\/Dockerfile's CMD is not "node \[flags\] dist\/src\/main\.js"/);
        assert.throws(() => nodeFlagsOfImage("FROM node\n"), /CMD is not/);
    });
});
