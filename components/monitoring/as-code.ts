// Alert and recording rules (monitoring/rules/*.yaml, Prometheus rule files that promtool checks and tests as they
// are) and Grafana dashboards (monitoring/dashboards/*.json), read from the repository for the Monitoring component.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

export const monitoringDir = path.join(__dirname, "..", "..", "monitoring");
export const rulesDir = path.join(monitoringDir, "rules");
export const dashboardsDir = path.join(monitoringDir, "dashboards");

export interface RuleGroup {
    name: string;
    interval?: string;
    rules: Record<string, unknown>[];
}

export interface RuleFile {
    /** The file's base name (app, redis, platform): the PrometheusRule is named after it. */
    name: string;
    file: string;
    groups: RuleGroup[];
}

function filesIn(dir: string, extension: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((file) => file.endsWith(extension))
        .sort()
        .map((file) => path.join(dir, file));
}

export function ruleFiles(): RuleFile[] {
    return filesIn(rulesDir, ".yaml").map((file) => ({
        name: path.basename(file, ".yaml"),
        file,
        groups: (parseYaml(fs.readFileSync(file, "utf8")) as { groups: RuleGroup[] }).groups,
    }));
}

/**
 * The rule groups with each alert's runbook_url (a path and anchor in the repository, `docs/runbook.md#alert-<name>`, as
 * promtool tests it) resolved against where the repository's files are read, e.g. https://github.com/acme/eks-app/blob/main/.
 * Unset: unchanged.
 */
export function resolveRunbookUrls(groups: RuleGroup[], baseUrl?: string): RuleGroup[] {
    if (baseUrl === undefined) return groups;
    return groups.map((group) => ({
        ...group,
        rules: group.rules.map((rule) => {
            const annotations = rule.annotations as Record<string, string> | undefined;
            if (!annotations?.runbook_url) return rule;
            return { ...rule, annotations: { ...annotations, runbook_url: new URL(annotations.runbook_url, baseUrl).toString() } };
        }),
    }));
}

export interface Dashboard {
    /** The file's base name; the ConfigMap and the key Grafana's sidecar writes are named after it. */
    name: string;
    file: string;
    json: string;
}

export function dashboards(): Dashboard[] {
    return filesIn(dashboardsDir, ".json").map((file) => ({ name: path.basename(file, ".json"), file, json: fs.readFileSync(file, "utf8") }));
}
