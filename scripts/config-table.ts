// The config reference's table (docs/configuration.md, linked from the README), generated from the schema and the
// profiles so the two cannot drift (tests/readme.test.ts fails when they do). Refresh the page with:
//   npx ts-node --transpile-only scripts/config-table.ts --write
import * as fs from "fs";
import * as path from "path";
import { environments, ProfileDefaults, profiles } from "../stacks/profiles";
import { configKeyMeanings, configKeys } from "../stacks/settings";

/** The app's sizing and exposure: every environment that runs the workload reads them. */
const appKeys = [
    "appMinReplicas",
    "appMaxReplicas",
    "appCpuTargetUtilization",
    "appCpuRequest",
    "appCpuLimit",
    "appMemoryRequest",
    "appMemoryLimit",
    "loadBalancerSourceRanges",
];

/** Keys the local environment (an existing cluster, no AWS) reads; the others do not apply to it. */
const localKeys = new Set([
    "environment",
    "namespace",
    "metricsScraperNamespace",
    "image",
    ...appKeys,
    "redisReplicas",
    "redisStorageSize",
    "redisMemoryLimit",
    "redisPassword",
    "monitoring",
    "monitoringResourceTier",
    "prometheusReplicas",
    "prometheusRetention",
    "prometheusStorageSize",
    "alertmanagerReplicas",
    "alertReceiverType",
    "alertReceiverUrl",
    "alertTicketReceiverUrl",
    "alertHeartbeatUrl",
    "alertRunbookBaseUrl",
    "lokiStorage",
    "lokiRetention",
    "lokiStorageSize",
    "appTargetRequestsPerSecond",
]);

/** Keys only review stacks read, and the keys a review stack (staging's cluster, the workload only) reads. */
const reviewOnlyKeys = new Set(["reviewBaseStack", "reviewLifetimeDays", "reviewCpuQuota", "reviewMemoryQuota", "reviewUpdatedAt"]);
const reviewKeys = new Set([
    ...reviewOnlyKeys,
    "environment",
    "image",
    "imageTag",
    ...appKeys,
    "redisMemoryLimit",
]);

/** Whether an environment reads a key at all; the table shows n/a where it does not. */
function applies(environment: string, key: string): boolean {
    if (environment === "local") return localKeys.has(key);
    if (environment === "review") return reviewKeys.has(key);
    if (reviewOnlyKeys.has(key)) return false;
    return key !== "clusterReviewRole" || environment === "staging";
}

function cell(value: unknown): string {
    if (value === undefined) return "(unset)";
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return "`" + text.replace(/\|/g, "\\|") + "`";
}

export function configTable(): string {
    const header = ["key (`eks-app:`)", ...environments.map((e) => `${e} default`), "meaning"];
    const rows = configKeys.map((key) => [
        `\`${key}\``,
        ...environments.map((environment) =>
            key === "environment"
                ? cell(environment)
                : !applies(environment, key)
                  ? "n/a"
                  : cell((profiles[environment] as Partial<ProfileDefaults> & Record<string, unknown>)[key]),
        ),
        configKeyMeanings[key],
    ]);
    return [header, header.map(() => "---"), ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}

export const tableStart = "<!-- config-table:start -->";
export const tableEnd = "<!-- config-table:end -->";
/** The page that carries the table, between the two markers. */
export const configReferencePath = path.join(__dirname, "..", "docs", "configuration.md");

if (require.main === module) {
    if (process.argv.includes("--write")) {
        const page = fs.readFileSync(configReferencePath, "utf8");
        const start = page.indexOf(tableStart);
        const end = page.indexOf(tableEnd);
        if (start < 0 || end < start) throw new Error(`${configReferencePath} has no ${tableStart} ... ${tableEnd} markers`);
        fs.writeFileSync(configReferencePath, `${page.slice(0, start + tableStart.length)}\n${configTable()}\n${page.slice(end)}`);
    } else {
        console.log(configTable());
    }
}
