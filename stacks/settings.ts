// Reads a stack's config once: every key checked against the schema (fields.ts) and the profile, then the
// combinations (contradictions.ts); one frozen Settings object, or one error naming every problem.
import { contradictions } from "./contradictions";
import { configKeys, configNamespace, fieldOf, qualified, ValueKind } from "./fields";
import { stackResourceName } from "./naming";
import { Environment, ProfileDefaults, profiles } from "./profiles";

export { configKeyMeanings, configKeys, configNamespace, supportedKubernetesVersions } from "./fields";
export type { ConfigKey } from "./fields";

export interface Settings extends ProfileDefaults {
    project: string;
    stack: string;
    environment: Environment;
    /** Undefined only for the local environment, which creates no AWS resource. */
    region?: string;
    imageTag?: string;
    image?: string;
    domainName?: string;
    hostedZoneId?: string;
    certificateArn?: string;
    iamPermissionsBoundaryArn?: string;
    clusterDeployerPrincipalArn?: string;
    /** Path and name of the deploy role and the preview role in the stack's account (ARNs need the account: index.ts). */
    clusterDeployerRole?: string;
    clusterPreviewRole?: string;
    /** Staging: the review-environment role by path and name, granted access to review namespaces only. */
    clusterReviewRole?: string;
    /** Review only: the pull request's number, from the stack name pr-<n>. */
    pullRequest?: number;
    /** Review only: when the review workflow deployed it (RFC 3339, UTC); its expiry is counted from this. */
    reviewUpdatedAt?: string;
    /** True when the user set eks-app:redisPassword (a secret); otherwise the program generates one. */
    redisPasswordConfigured: boolean;
    /** True when the user set eks-app:alertReceiverUrl (a secret); otherwise alerts stay in Alertmanager. */
    alertReceiverConfigured: boolean;
    /** True when the user set eks-app:alertTicketReceiverUrl (a secret). */
    alertTicketReceiverConfigured: boolean;
    /** True when the user set eks-app:alertHeartbeatUrl (a secret). */
    alertHeartbeatConfigured: boolean;
    alertRunbookBaseUrl?: string;
    clusterName: string;
}

const regionPattern = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** A review stack is named for its pull request: pr-<number>. */
const reviewStackPattern = /^pr-([1-9]\d{0,8})$/;

/** Thrown for every invalid configuration; the message names each key, the value given and what is allowed. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

function show(key: string, value: unknown): string {
    return fieldOf(key)?.secret ? "(secret value hidden)" : JSON.stringify(value);
}

function parseRaw(kind: ValueKind, raw: string): unknown {
    switch (kind) {
        case "string":
            return raw;
        case "number":
            return raw.trim() === "" ? NaN : Number(raw);
        case "boolean":
            return raw === "true" ? true : raw === "false" ? false : raw;
        case "json":
            try {
                return JSON.parse(raw);
            } catch {
                return raw;
            }
    }
}

function closestKey(unknownKey: string): string | undefined {
    const lower = unknownKey.toLowerCase();
    return configKeys.find((key) => {
        const candidate = key.toLowerCase();
        return candidate.startsWith(lower) || lower.startsWith(candidate) || candidate.replace(/s$/, "") === lower.replace(/s$/, "");
    });
}

export interface RawStackConfig {
    project: string;
    stack: string;
    /** The whole stack config as Pulumi holds it: "namespace:key" → string value. */
    config: Record<string, string>;
}

/**
 * Validates a stack's config against the schema and its profile, and returns one frozen Settings object.
 * Pure: no Pulumi runtime needed, so it runs before any resource is registered and in unit tests.
 */
export function parseSettings({ project, stack, config }: RawStackConfig): Settings {
    const problems: string[] = [];
    const given: Record<string, unknown> = {};
    const prefix = `${configNamespace}:`;

    for (const [fullKey, raw] of Object.entries(config)) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        const field = fieldOf(key);
        if (!field) {
            const suggestion = closestKey(key);
            problems.push(`${fullKey} is not a known key${suggestion ? ` (did you mean ${qualified(suggestion)}?)` : ""}; see docs/configuration.md`);
            continue;
        }
        const value = parseRaw(field.kind, raw);
        const result = field.schema.safeParse(value);
        if (result.success) {
            given[key] = result.data;
        } else {
            problems.push(`${fullKey} = ${show(key, field.kind === "json" ? value : raw)} is not allowed: expected ${field.allowed}`);
        }
    }

    const environment = given.environment as Environment | undefined;
    if (!environment) {
        if (!(`${prefix}environment` in config)) {
            problems.push(`${qualified("environment")} is not set: expected ${fieldOf("environment")!.allowed}`);
        }
        throw new ConfigError(problems);
    }

    const region = config["aws:region"];
    if (environment !== "local") {
        if (region === undefined) {
            problems.push(`aws:region is not set: expected an AWS region like eu-west-1 (pulumi config set aws:region eu-west-1)`);
        } else if (!regionPattern.test(region)) {
            problems.push(`aws:region = ${JSON.stringify(region)} is not allowed: expected an AWS region like eu-west-1`);
        }
    }

    const pullRequest = environment === "review" ? reviewStackPattern.exec(stack)?.[1] : undefined;
    if (environment === "review" && pullRequest === undefined) {
        problems.push(
            `stack ${JSON.stringify(stack)} cannot use ${qualified("environment")} = "review": a review stack is named for its pull request, pr-<number> (e.g. pr-123), which names its namespace and image tag`,
        );
    }

    const settings = {
        ...profiles[environment],
        ...given,
        project,
        stack,
        environment,
        region: environment === "local" ? undefined : region,
        redisPasswordConfigured: "redisPassword" in given,
        alertReceiverConfigured: "alertReceiverUrl" in given,
        alertTicketReceiverConfigured: "alertTicketReceiverUrl" in given,
        alertHeartbeatConfigured: "alertHeartbeatUrl" in given,
        clusterName: stackResourceName(stack),
        ...(pullRequest !== undefined ? { pullRequest: Number(pullRequest) } : {}),
    } as Settings & { redisPassword?: string; alertReceiverUrl?: string; alertTicketReceiverUrl?: string; alertHeartbeatUrl?: string };
    delete settings.redisPassword;
    delete settings.alertReceiverUrl;
    delete settings.alertTicketReceiverUrl;
    delete settings.alertHeartbeatUrl;

    problems.push(...contradictions(settings, given));
    if (problems.length > 0) throw new ConfigError(problems);
    return Object.freeze(settings);
}

