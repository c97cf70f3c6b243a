// Prints the README's config reference from the schema and the profiles, so the two cannot drift:
//   npx ts-node --transpile-only scripts/config-table.ts
import { environments, ProfileDefaults, profiles } from "../stacks/profiles";
import { configKeyMeanings, configKeys } from "../stacks/settings";

/** Keys the local environment (an existing cluster, no AWS) reads; the others do not apply to it. */
const localKeys = new Set([
    "environment",
    "namespace",
    "metricsScraperNamespace",
    "image",
    "appMinReplicas",
    "appMaxReplicas",
    "appCpuTargetUtilization",
    "appCpuRequest",
    "appCpuLimit",
    "appMemoryRequest",
    "appMemoryLimit",
    "loadBalancerSourceRanges",
    "redisChartVersion",
    "redisReplicas",
    "redisStorageSize",
    "redisPassword",
]);

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
                : environment === "local" && !localKeys.has(key)
                  ? "n/a"
                  : cell((profiles[environment] as Partial<ProfileDefaults> & Record<string, unknown>)[key]),
        ),
        configKeyMeanings[key],
    ]);
    return [header, header.map(() => "---"), ...rows].map((row) => `| ${row.join(" | ")} |`).join("\n");
}

if (require.main === module) {
    console.log(configTable());
}
