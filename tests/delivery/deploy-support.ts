// What deploy.sh's test files share: a real git history of good and broken commits, and a deploy against stand-ins.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FakeApp, FakeAppFaults, startFakeApp } from "./fake-app";
import { recordedCalls, recordedEntries, RecordedCall, ScriptResult, sandboxWithFakes, startScript } from "./run-script";

/**
 * A repository with the history deploys see:  good ── broken ── new   and   good ── unrelated.
 * Each commit's program.txt names it, so the stand-in pulumi records which commit's program each `up` ran.
 */
export interface History {
    dir: string;
    good: string;
    broken: string;
    newer: string;
    unrelated: string;
    checkout(commit: string): void;
}

export function makeHistory(parent: string): History {
    const dir = join(parent, "repository");
    mkdirSync(dir);
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], { cwd: dir, encoding: "utf8" }).trim();
    git("init", "--quiet");
    writeFileSync(join(dir, ".gitignore"), "node_modules/\n");
    writeFileSync(join(dir, "package-lock.json"), "{}\n");
    mkdirSync(join(dir, "node_modules"));
    const commit = (name: string) => {
        writeFileSync(join(dir, "program.txt"), `program of ${name}\n`);
        git("add", "-A");
        git("commit", "--quiet", "-m", name);
        return git("rev-parse", "HEAD");
    };
    const good = commit("good");
    const broken = commit("broken");
    const newer = commit("new");
    git("checkout", "--quiet", "-b", "side", good);
    const unrelated = commit("unrelated");
    return { dir, good, broken, newer, unrelated, checkout: (target) => void git("checkout", "--quiet", "--detach", target) };
}

export interface DeployOptions {
    /** The commit to deploy (default: the newest on main). */
    deploy?: (history: History) => string;
    extraArgs?: string[];
    /** The stack's imageTag output and last good commit before the deploy. */
    running?: (history: History) => string | undefined;
    lastGood?: (history: History) => string | undefined;
    failingUps?: number;
    faults?: FakeAppFaults;
    outputsFail?: boolean;
    /** The stack's lock files (see the stand-in pulumi) and the eks-app:cancelled-update tag. */
    locks?: { user: string; host: string; pid: number; minutesAgo: number }[];
    cancelled?: string;
    pending?: object[];
    upWaits?: boolean;
}

export interface Deploy {
    result: ScriptResult;
    history: History;
    calls: string[][];
    entries: RecordedCall[];
    /** The program each `up` ran, in order. */
    upPrograms: (string | undefined)[];
    lastGoodAfter: string | undefined;
    summary: string;
    outputs: string;
}

/** The fake app and sandbox of the running test (removed after it), and a deploy that uses them. */
export interface DeploySession {
    app?: FakeApp;
    sandbox?: { dir: string; path: string };
    deploy(options?: DeployOptions, onStarted?: (child: ReturnType<typeof startScript>["child"], stateDir: string) => void): Promise<Deploy>;
}

/** Call inside a describe: each of its tests gets a fresh fake app and sandbox. */
export function deploySession(): DeploySession {
    const session = {} as DeploySession;

    afterEach(async () => {
        await session.app?.close();
        if (session.sandbox !== undefined) rmSync(session.sandbox.dir, { recursive: true, force: true });
        session.app = session.sandbox = undefined;
    });

    function start(options: DeployOptions, onStarted?: (child: ReturnType<typeof startScript>["child"], stateDir: string) => void) {
        const sandbox = (session.sandbox = sandboxWithFakes({ pulumi: "pulumi.js" }));
        const history = makeHistory(sandbox.dir);
        const tag = (options.deploy ?? ((h) => h.newer))(history);
        history.checkout(tag);
        const files = { log: join(sandbox.dir, "pulumi.log"), summary: join(sandbox.dir, "summary.md"), outputs: join(sandbox.dir, "outputs") };
        for (const file of Object.values(files)) writeFileSync(file, "");
        const running = options.running === undefined ? history.good : options.running(history);
        const lastGood = options.lastGood === undefined ? history.good : options.lastGood(history);
        const env = {
            PATH: sandbox.path,
            FAKE_PULUMI_LOG: files.log,
            FAKE_PULUMI_STATE_DIR: sandbox.dir,
            FAKE_PULUMI_URL: session.app?.url,
            FAKE_PULUMI_PREVIOUS_TAG: running,
            FAKE_PULUMI_LAST_GOOD: lastGood,
            FAKE_PULUMI_FAILING_UPS: String(options.failingUps ?? 0),
            FAKE_PULUMI_OUTPUTS_FAIL: options.outputsFail ? "1" : "",
            FAKE_PULUMI_LOCKS: JSON.stringify(options.locks ?? []),
            FAKE_PULUMI_CANCELLED: options.cancelled ?? "",
            FAKE_PULUMI_PENDING: JSON.stringify(options.pending ?? []),
            FAKE_PULUMI_UP_WAITS: options.upWaits ? "1" : "",
            EKS_APP_PERMISSIONS_BOUNDARY_ARN: "arn:aws:iam::123456789012:policy/eks-app-ci/eks-app-staging-program-boundary",
            GITHUB_STEP_SUMMARY: files.summary,
            GITHUB_OUTPUT: files.outputs,
            SMOKE_READY_ATTEMPTS: "2",
            SMOKE_READY_INTERVAL_SECONDS: "0",
        };
        const started = startScript("deploy.sh", ["--stack", "dev", "--image-tag", tag, "--message", tag, ...(options.extraArgs ?? [])], env, history.dir);
        onStarted?.(started.child, sandbox.dir);
        return { history, files, started };
    }

    session.deploy = async function deploy(options: DeployOptions = {}, onStarted?: Parameters<typeof start>[1]): Promise<Deploy> {
        session.app = await startFakeApp(options.faults);
        const { history, files, started } = start(options, onStarted);
        const result = await started.result;
        const entries = recordedEntries(files.log);
        const stackFile = join(session.sandbox?.dir as string, "stack.json");
        const stack = existsSync(stackFile) ? (JSON.parse(readFileSync(stackFile, "utf8")) as { tags: Record<string, string> }) : { tags: {} };
        return {
            result,
            history,
            entries,
            calls: recordedCalls(files.log),
            upPrograms: entries.filter((entry) => entry.args?.[0] === "up").map((entry) => entry.program),
            lastGoodAfter: stack.tags["eks-app:last-good-commit"],
            summary: readFileSync(files.summary, "utf8"),
            outputs: readFileSync(files.outputs, "utf8"),
        };
    };

    return session;
}

export const ups = (calls: string[][]) => calls.filter((call) => call[0] === "up");
