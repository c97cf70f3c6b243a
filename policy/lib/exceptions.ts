import { Policies, ResourceValidation } from "@pulumi/policy";
import { parseUrn } from "./urn";

/** One resource exempt from one policy, and why. */
export interface PolicyException {
    policy: string;
    /** The resource as `pulumi preview` shows it: its type token and logical name. */
    type: string;
    name: string;
    /** Why the exception is justified, for whoever reviews it; never empty. */
    reason: string;
}

/** Fails the pack's start-up on an exception that names no policy of the pack or gives no reason. */
function assertValid(exceptions: readonly PolicyException[], policyNames: Set<string>): void {
    for (const exception of exceptions) {
        const subject = `policy exception for ${exception.type} "${exception.name}"`;
        if (!policyNames.has(exception.policy)) throw new Error(`${subject}: the pack has no policy named "${exception.policy}"`);
        if (exception.reason.trim() === "") throw new Error(`${subject} from ${exception.policy}: give a reason`);
    }
}

/** The policies, with violations of exempt resources dropped. */
export function withExceptions(policies: Policies, exceptions: readonly PolicyException[]): Policies {
    assertValid(exceptions, new Set(policies.map((policy) => policy.name)));
    return policies.map((policy) => {
        const applying = exceptions.filter((exception) => exception.policy === policy.name);
        if (applying.length === 0) return policy;
        const exempt = (type: string, name: string) => applying.some((exception) => exception.type === type && exception.name === name);

        if ("validateStack" in policy) {
            const { validateStack } = policy;
            return {
                ...policy,
                validateStack: (args, reportViolation) =>
                    validateStack(args, (message, urn) => {
                        const resource = urn === undefined ? undefined : parseUrn(urn);
                        if (resource === undefined || !exempt(resource.type, resource.name)) reportViolation(message, urn);
                    }),
            };
        }
        const ignore = () => undefined;
        return {
            ...policy,
            validateResource: ([] as ResourceValidation[])
                .concat(policy.validateResource ?? [])
                .map(
                    (validate): ResourceValidation =>
                        (args, reportViolation) =>
                            validate(args, exempt(args.type, args.name) ? ignore : reportViolation),
                ),
        };
    });
}
