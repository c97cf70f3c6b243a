// A throwaway Pulumi workspace for the delivery scripts' end-to-end tests: the real CLI (v3.248.0, built or reused by
// scripts/e2e/tools.sh), a local backend, a temporary PULUMI_HOME, no plugin downloads, and a tiny Node.js program
// in a git repository. The program's one kind of resource is a dynamic one (the CLI's own pulumi-nodejs provider):
// its create can be made slow enough to interrupt, a change of its `name` replaces it, and `extra` can be dropped.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repositoryRoot = resolve(__dirname, "..", "..", "..");
export const deployScripts = join(repositoryRoot, "scripts", "deploy");
const nodeModules = join(repositoryRoot, "node_modules");
export const pulumiVersion = "3.248.0";

/**
 * The directory holding the real `pulumi` and its plugins (scripts/e2e/tools.sh's, which .ci/run runs): PATH's when
 * it has this version, as under `npm run test:e2e`, else what tools.sh builds or reuses.
 */
export function realPulumiBin(): string {
    const onPath = spawnSync("bash", ["-c", "command -v pulumi && pulumi version"], { encoding: "utf8" });
    const [path, version] = onPath.stdout.trim().split("\n");
    if (onPath.status === 0 && version === `v${pulumiVersion}` && path !== undefined) return resolve(path, "..");
    const built = execFileSync("bash", [join(repositoryRoot, "scripts", "e2e", "tools.sh"), "pulumi"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    return built.trim().split("\n").pop() as string;
}

const program = `
const pulumi = require("@pulumi/pulumi");
const sleep = (seconds) => new Promise((done) => setTimeout(done, seconds * 1000));
const provider = {
    async create(inputs) {
        await sleep(inputs.seconds);
        return { id: "thing-" + inputs.name, outs: inputs };
    },
    async read(id, props) {
        return { id, props: props || {} };
    },
    async diff(id, olds, news) {
        const replaces = olds.name === news.name ? [] : ["name"];
        return { changes: replaces.length > 0 || olds.seconds !== news.seconds, replaces };
    },
    async update(id, olds, news) {
        await sleep(news.seconds);
        return { outs: news };
    },
};
class Thing extends pulumi.dynamic.Resource {
    constructor(name, args, opts) {
        super(provider, name, args, opts);
    }
}
class Group extends pulumi.ComponentResource {
    constructor(name, opts) {
        super("tiny:index:Group", name, {}, opts);
        this.member = new Thing(name + "-member", { name: name + "-member", seconds: 0 }, { parent: this, dependsOn: opts.after });
        this.registerOutputs({});
    }
}
const config = new pulumi.Config();
const thing = new Thing("thing", { name: config.get("thingName") || "first", seconds: config.getNumber("createSeconds") || 0 });
// After the thing: an up killed while the thing is created leaves that one create pending, and only it.
new Group("group", { after: [thing] });
if (config.getBoolean("extra")) new Thing("extra", { name: "extra", seconds: 0 });
exports.id = thing.id;
exports.url = config.get("url") || "";
exports.imageTag = config.get("imageTag") || "";
exports.image = "registry.example.com/tiny@sha256:" + "d".repeat(64);
`;

// The policy pack deploy.sh always runs `up` with (--policy-pack policy): one advisory rule, so the analyzer runs.
const policyPack = `
const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("tiny", {
    policies: [{ name: "named", description: "Every resource has a name", enforcementLevel: "advisory", validateResource: () => {} }],
});
`;

export interface Workspace {
    dir: string;
    /** The real CLI's directory (it is first on env.PATH too, for the scripts). */
    bin: string;
    /** The program's git repository, also the cwd of every command. */
    programDir: string;
    env: NodeJS.ProcessEnv;
    /** Runs the real pulumi in the program's directory. */
    pulumi(args: string[], options?: { allowFailure?: boolean }): { status: number | null; stdout: string; stderr: string };
    /** Commits the program's current files and returns the commit. */
    commit(message: string): string;
    remove(): void;
}

export function createWorkspace(bin: string, stack = "dev"): Workspace {
    const dir = mkdtempSync(join(tmpdir(), "eks-app-e2e-delivery-"));
    const programDir = join(dir, "program");
    for (const sub of ["state", "home", "program/policy"]) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(programDir, "Pulumi.yaml"), "name: tiny\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n");
    // A version here too: the e2e launcher of policy packs runs them in the program's directory, where @pulumi/policy reads package.json.
    writeFileSync(join(programDir, "package.json"), JSON.stringify({ name: "tiny", version: "0.0.1", main: "index.js" }));
    writeFileSync(join(programDir, "index.js"), program);
    writeFileSync(join(programDir, ".gitignore"), "node_modules\n");
    writeFileSync(join(programDir, "policy", "PulumiPolicy.yaml"), "runtime: nodejs\n");
    writeFileSync(join(programDir, "policy", "package.json"), JSON.stringify({ name: "tiny-policy", version: "0.0.1", main: "index.js" }));
    writeFileSync(join(programDir, "policy", "index.js"), policyPack);
    symlinkSync(nodeModules, join(programDir, "node_modules"));
    symlinkSync(nodeModules, join(programDir, "policy", "node_modules"));
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: "e2e-delivery",
        PULUMI_HOME: join(dir, "home"),
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        GITHUB_STEP_SUMMARY: "",
        GITHUB_OUTPUT: "",
    };
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], { cwd: programDir, encoding: "utf8" }).trim();
    git("init", "--quiet");
    const workspace: Workspace = {
        dir,
        bin,
        programDir,
        env,
        pulumi(args, options = {}) {
            const result = spawnSync(join(bin, "pulumi"), args, { cwd: programDir, env, encoding: "utf8", timeout: 300_000 });
            if (!options.allowFailure && result.status !== 0) {
                throw new Error(`pulumi ${args.join(" ")} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
            }
            return { status: result.status, stdout: result.stdout, stderr: result.stderr };
        },
        commit(message) {
            git("add", "-A");
            git("commit", "--quiet", "--allow-empty", "-m", message);
            return git("rev-parse", "HEAD");
        },
        remove() {
            rmSync(dir, { recursive: true, force: true });
        },
    };
    workspace.pulumi(["stack", "init", stack]);
    // A stack without any config key gives the Node.js SDK no config at all, which pulumi.Config cannot read.
    workspace.pulumi(["config", "set", "thingName", "first", "--stack", stack]);
    return workspace;
}

/** Every process below <pid>, from /proc (the fourth field of /proc/<pid>/stat is the parent's pid). */
function descendantsOf(pid: number): number[] {
    const parents = new Map<number, number>();
    for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        try {
            const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
            parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        } catch {
            // The process ended while we read.
        }
    }
    const below = (parent: number): number[] => [...parents].filter(([, ppid]) => ppid === parent).flatMap(([child]) => [child, ...below(child)]);
    return below(pid);
}

/**
 * Starts `pulumi up` with a create (or, once the thing exists, an update) that takes a minute and kills the CLI with
 * SIGKILL once it has started, as a runner that kills a job does: the lock stays, and the operation stays pending in
 * the state. Returns the killed CLI's pid, which the lock names.
 */
export async function killUpMidCreate(workspace: Workspace, stack = "dev", operation: "creating" | "updating" = "creating"): Promise<number> {
    workspace.pulumi(["config", "set", "createSeconds", "60", "--stack", stack]);
    const up = spawn(join(workspace.bin, "pulumi"), ["up", "--yes", "--stack", stack, "--skip-preview"], { cwd: workspace.programDir, env: workspace.env });
    let output = "";
    up.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    up.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 120_000;
    while (!new RegExp(`thing ${operation}`).test(output)) {
        if (Date.now() > deadline || up.exitCode !== null) throw new Error(`the up never started ${operation} the slow resource:\n${output}`);
        await new Promise((done) => setTimeout(done, 200));
    }
    const pid = up.pid as number;
    // The language host and the dynamic provider would outlive a killed CLI: they are killed too, by their pids.
    const processes = [pid, ...descendantsOf(pid)];
    for (const each of processes) process.kill(each, "SIGKILL");
    await new Promise((done) => up.on("close", done));
    workspace.pulumi(["config", "set", "createSeconds", "0", "--stack", stack]);
    return pid;
}
