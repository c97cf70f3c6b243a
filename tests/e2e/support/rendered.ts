// Each stack rendered once per run (scripts/e2e/render-stack.ts in its own process), cached in the state folder.
import * as fs from "fs";
import * as path from "path";
import type { RenderedStack } from "../../../scripts/e2e/render-stack";
import { e2eState, repositoryRoot, run } from "./env";

export const stacks = ["dev", "prod", "local"] as const;

export function renderedStack(stack: string): RenderedStack {
    const file = path.join(e2eState(), `rendered-${stack}.json`);
    if (!fs.existsSync(file)) {
        const result = run("npx", ["ts-node", "--transpile-only", "scripts/e2e/render-stack.ts", stack, file], { cwd: repositoryRoot, timeoutMs: 10 * 60 * 1000 });
        if (result.status !== 0) throw new Error(`rendering ${stack} failed: ${result.stderr}`);
    }
    return JSON.parse(fs.readFileSync(file, "utf8")) as RenderedStack;
}
