// Helpers for the monitoring tests: a validator of custom resources against the CRD schemas kube-prometheus-stack ships.
import Ajv, { ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import { repositoryRoot } from "../../harness";
import { KubernetesObject, renderChart } from "../../harness/helm";
import { describeObject } from "../../scripts/manifests/schema";

export const monitoringNamespace = "monitoring";

/**
 * Prometheus 3, promtool and amtool where scripts/get-prometheus.sh unpacks them (.ci/run runs it), or where the
 * PROMETHEUS, PROMTOOL or AMTOOL variable points. The script keeps one directory per version: the newest 3.x is used.
 */
export function prometheusTool(name: "prometheus" | "promtool" | "amtool"): string {
    const override = process.env[name.toUpperCase()];
    if (override) return override;
    const tools = path.join(repositoryRoot, ".tools");
    const installed = (fs.existsSync(tools) ? fs.readdirSync(tools) : [])
        .filter((entry) => /^prometheus-3\.\d+\.\d+$/.test(entry))
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    const newest = installed.at(-1);
    const binary = newest && path.join(tools, newest, "bin", name);
    if (!binary || !fs.existsSync(binary)) throw new Error(`no ${name} 3.x under ${tools}: run scripts/get-prometheus.sh (.ci/run does)`);
    return binary;
}


type Tree = Record<string, unknown>;
const isMap = (value: unknown): value is Tree => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Structural schemas drop unknown fields silently unless a node preserves them; here an unknown field is an error,
 * so a misspelt field in a rule or monitor fails the test instead of vanishing in the cluster.
 */
function closed(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(closed);
    if (!isMap(schema)) return schema;
    const copy: Tree = {};
    for (const [key, value] of Object.entries(schema)) copy[key] = key === "properties" && isMap(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closed(v)])) : closed(value);
    if (isMap(copy.properties) && copy.additionalProperties === undefined && copy["x-kubernetes-preserve-unknown-fields"] !== true) copy.additionalProperties = false;
    return copy;
}

/** Validates monitoring.coreos.com objects against the CRDs of this kube-prometheus-stack package. */
export async function crdValidator(kubePrometheusStackChart: string): Promise<(object: KubernetesObject) => string[]> {
    const crds = renderChart({ chart: kubePrometheusStackChart, release: "crds", namespace: monitoringNamespace, values: {}, includeCrds: true }).filter(
        (object) => object.kind === "CustomResourceDefinition",
    );
    // The CRDs' patterns are Go regular expressions; `(?i)` (case-insensitive) becomes JavaScript's `i` flag.
    const goRegExp = (pattern: string, flags: string) =>
        pattern.includes("(?i)") ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`) : new RegExp(pattern, flags);
    const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true, code: { regExp: Object.assign(goRegExp, { code: "new RegExp" }) } });
    const validators = new Map<string, ValidateFunction>();
    for (const crd of crds) {
        for (const version of crd.spec.versions) {
            const schema = closed(version.schema.openAPIV3Schema) as Tree;
            // metadata is checked by the API server itself, not by the CRD's schema.
            const properties = { ...(schema.properties as Tree), metadata: { type: "object" } };
            validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile({ ...schema, properties }));
        }
    }
    return (object) => {
        const validate = validators.get(`${object.apiVersion}/${object.kind}`);
        if (!validate) return [`${describeObject(object)}: no CRD in the chart serves ${object.apiVersion} ${object.kind}`];
        if (validate(object)) return [];
        return (validate.errors ?? []).map((error) => `${describeObject(object)}: ${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`);
    };
}

const promqlWords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions, keywords, label names (inside
 * braces or after by/on/without) or durations (ranges, offsets). Grafana variables ($namespace, $__rate_interval) are dropped.
 */
export function metricNames(expr: string): string[] {
    const stripped = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\{[^}]*\}/g, "")
        .replace(/\[[^\]]*\]/g, "")
        .replace(/\boffset\s+-?\d+[a-z]+/g, "")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
        .replace(/\$\w+/g, "");
    const names = new Set<string>();
    for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?/g)) {
        const [token, call] = [match[0].replace(/\s*\($/, ""), match[1]];
        if (call || promqlWords.has(token.toLowerCase()) || /^\d/.test(token)) continue;
        names.add(token);
    }
    return [...names];
}
