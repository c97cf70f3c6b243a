import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { plainProperties, Properties } from "./properties";

/** A resource as checks see it: its identity, and its properties as plain data. */
export interface CheckedResource {
    type: string;
    name: string;
    urn: string;
    props: Properties;
}

/** Reports one problem with the resource being checked: what is wrong, and what to change. */
export type ReportProblem = (problem: string, fix: string) => void;

/** Every violation reads the same way: which resource, what is wrong, how to fix it. */
export function violationMessage(resource: { type: string; name: string }, problem: string, fix: string): string {
    return `${resource.type} "${resource.name}": ${problem}. Fix: ${fix}.`;
}

interface RuleBase {
    name: string;
    description: string;
}

export interface ResourceRule<Config extends object> extends RuleBase {
    /** Settings that `pulumi preview --policy-pack-config` may give; `check` receives them. */
    configSchema?: PolicyConfigSchema;
    resourceTypes: readonly string[];
    check(resource: CheckedResource, report: ReportProblem, config: Config): void;
}

export interface StackRule extends RuleBase {
    check(resources: CheckedResource[], report: (resource: CheckedResource, problem: string, fix: string) => void): void;
}

/**
 * Whether the engine analyzes a custom resource that this update does not create: a `--target`ed update (an operator's
 * `pulumi up --target <urn>`) analyzes every untargeted resource that does not exist yet
 * with its old inputs, which are none, since the provider's Check is stubbed for it (pkg/resource/deploy/
 * step_generator.go, continueStepsFromImport, Pulumi v3.248.0). A resource the engine does create has its
 * provider's checked inputs, and every type these rules check has a required or auto-named input; a component has
 * no provider in the analyzer, so it is always checked.
 */
function notCreatedByThisUpdate(args: ResourceValidationArgs): boolean {
    return args.provider !== undefined && Object.keys(args.props).length === 0;
}

/** A mandatory policy that runs `check` on resources of the given types. */
export function resourceRule<Config extends object = object>(rule: ResourceRule<Config>): ResourceValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: "mandatory",
        configSchema: rule.configSchema,
        validateResource: (args, reportViolation) => {
            if (!rule.resourceTypes.includes(args.type) || notCreatedByThisUpdate(args)) return;
            const resource: CheckedResource = { type: args.type, name: args.name, urn: args.urn, props: plainProperties(args.props) };
            rule.check(resource, (problem, fix) => reportViolation(violationMessage(resource, problem, fix)), args.getConfig<Config>());
        },
    };
}

/** A mandatory policy that looks at the whole stack at once, for rules that relate resources to each other. */
export function stackRule(rule: StackRule): StackValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: "mandatory",
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map(
                (r): CheckedResource => ({ type: r.type, name: r.name, urn: r.urn, props: plainProperties(r.props) }),
            );
            rule.check(resources, (resource, problem, fix) => reportViolation(violationMessage(resource, problem, fix), resource.urn));
        },
    };
}
