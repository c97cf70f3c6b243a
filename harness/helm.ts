// Real Helm (installed by `npm run setup`, see scripts/get-helm.sh) rendering the vendored charts in charts/
// with the values the program passes, so tests see exactly the objects a deploy would create.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { repositoryRoot } from "./program";

/** The Kubernetes version charts are rendered for: the profiles' default (stacks/profiles.ts). */
export const renderKubernetesVersion = "1.34.0";

export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [field: string]: any;
}

export function helmBinary(): string {
    const helm = process.env.HELM ?? path.join(repositoryRoot, ".tools", "bin", "helm");
    if (!fs.existsSync(helm)) throw new Error(`Helm is not installed at ${helm}: run \`npm run setup\` (scripts/get-helm.sh) first`);
    return helm;
}

/** The path of a vendored chart package, charts/<name>-<version>.tgz. */
export function chartPath(name: string, version: string): string {
    return path.join(repositoryRoot, "charts", `${name}-${version}.tgz`);
}

export interface RenderRequest {
    chart: string;
    release: string;
    namespace: string;
    values: object;
    includeCrds?: boolean;
    /** API versions the cluster serves beyond the built-in ones (Capabilities.APIVersions), e.g. monitoring.coreos.com/v1. */
    apiVersions?: string[];
    /** Parse the output as Helm and the API server do, YAML 1.1 (`defaultMode: 0755` is octal 493), not YAML 1.2. */
    yaml11?: boolean;
}

/** `helm template` of a chart with these values: the objects an install would create (hooks included). */
export function renderChart(request: RenderRequest): KubernetesObject[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-values-"));
    try {
        const valuesFile = path.join(dir, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(request.values));
        const args = ["template", request.release, request.chart, "--namespace", request.namespace, "--values", valuesFile];
        args.push("--kube-version", renderKubernetesVersion);
        if (request.includeCrds) args.push("--include-crds");
        for (const apiVersion of request.apiVersions ?? []) args.push("--api-versions", apiVersion);
        const output = execFileSync(helmBinary(), args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
        return parseAllDocuments(output, request.yaml11 ? { version: "1.1" } : {})
            .map((document) => document.toJS() as KubernetesObject | null)
            .filter((object): object is KubernetesObject => object !== null && typeof object === "object" && "kind" in object);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * The chart's default values, with each vendored subchart's defaults under its name (or alias), as Helm merges
 * them: the tree every values key the program sets must exist in.
 */
export function chartDefaultValues(chart: string): Record<string, unknown> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-chart-"));
    try {
        execFileSync("tar", ["-xzf", chart, "-C", dir]);
        const [top] = fs.readdirSync(dir);
        return valuesWithSubcharts(path.join(dir, top));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function isMap(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Helm merges a parent's values for a subchart into the subchart's defaults key by key, at every depth. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
    const merged = { ...base };
    for (const [key, value] of Object.entries(over)) merged[key] = isMap(value) && isMap(base[key]) ? deepMerge(base[key], value) : value;
    return merged;
}

function readYaml(file: string): any {
    return fs.existsSync(file) ? (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) : {};
}

function valuesWithSubcharts(chartDir: string): Record<string, unknown> {
    const values = readYaml(path.join(chartDir, "values.yaml")) as Record<string, unknown>;
    const dependencies = (readYaml(path.join(chartDir, "Chart.yaml")).dependencies ?? []) as { name: string; alias?: string }[];
    const subchartsDir = path.join(chartDir, "charts");
    for (const dependency of dependencies) {
        const subchartDir = path.join(subchartsDir, dependency.name);
        if (!fs.existsSync(subchartDir)) continue;
        const key = dependency.alias ?? dependency.name;
        values[key] = deepMerge(valuesWithSubcharts(subchartDir), isMap(values[key]) ? (values[key] as Record<string, unknown>) : {});
    }
    return values;
}


/**
 * Paths of keys in `values` that the chart's defaults do not have. Helm ignores unknown keys silently, so a typo
 * or a key from another chart version deploys as if it were not set. Below a default that is an empty map (or
 * null) the chart takes free-form keys (labels, annotations, extra config), so nothing there is unknown; so it
 * does below `freeForm` paths, maps whose every entry the chart's templates render (a caller checks that).
 */
export function unknownValueKeys(values: unknown, defaults: unknown, freeForm: string[] = [], at = ""): string[] {
    if (!isMap(values) || !isMap(defaults) || Object.keys(defaults).length === 0 || freeForm.includes(at)) return [];
    return Object.entries(values).flatMap(([key, value]) => {
        const keyPath = at ? `${at}.${key}` : key;
        if (!(key in defaults)) return [keyPath];
        return unknownValueKeys(value, defaults[key], freeForm, keyPath);
    });
}
