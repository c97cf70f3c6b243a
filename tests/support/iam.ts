// The program's IAM documents, parsed, for tests that assert what a role may do; whether a document is least
// privilege is for the policy pack's IAM rules to say, run here by iamGuardrailViolations.
import { ProgramRun } from "../../harness";
import { evaluatePolicies } from "../../policy/lib/evaluate";
import { formatUrn } from "../../policy/lib/urn";
import { guardrails } from "../../policy/policies";
import { iamPolicies } from "../../policy/rules/iam";

export interface Statement {
    Sid?: string;
    Effect: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
    Principal?: string | Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface FoundDocument {
    /** Which resource and property it came from, for failure messages. */
    source: string;
    kind: "trust" | "permissions";
    statements: Statement[];
}

export const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function parseDocument(source: string, raw: unknown): Statement[] {
    const document = typeof raw === "string" ? JSON.parse(raw) : raw;
    if (!document || document.Version !== "2012-10-17" || !Array.isArray(document.Statement)) {
        throw new Error(`${source}: not an IAM policy document with Version 2012-10-17 and a Statement list`);
    }
    return document.Statement as Statement[];
}

/** Every IAM trust and permission document in a program run, parsed from JSON. */
export function iamDocuments(run: ProgramRun): FoundDocument[] {
    const found: FoundDocument[] = [];
    const add = (source: string, kind: FoundDocument["kind"], raw: unknown) => {
        if (raw !== undefined) found.push({ source, kind, statements: parseDocument(source, raw) });
    };
    for (const resource of run.resources) {
        switch (resource.type) {
            case "aws:iam/role:Role":
                add(`Role ${resource.name} assumeRolePolicy`, "trust", resource.inputs.assumeRolePolicy);
                for (const inline of resource.inputs.inlinePolicies ?? []) add(`Role ${resource.name} inline ${inline.name}`, "permissions", inline.policy);
                break;
            case "aws:iam/rolePolicy:RolePolicy":
            case "aws:iam/policy:Policy":
            case "aws:iam/userPolicy:UserPolicy":
            case "aws:iam/groupPolicy:GroupPolicy":
                add(`${resource.type} ${resource.name}`, "permissions", resource.inputs.policy);
                break;
            case "aws:s3/bucketPolicy:BucketPolicy":
            case "aws:kms/key:Key":
            case "aws:ecr/repositoryPolicy:RepositoryPolicy":
                add(`${resource.type} ${resource.name}`, "permissions", resource.inputs.policy);
                break;
        }
    }
    return found;
}

/** A registered resource, as the harness and the bootstrap tests record it. */
export interface IamResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

const iamGuardrails = guardrails.filter((policy) => iamPolicies.some((iam) => iam.name === policy.name));

/**
 * The pack's IAM guardrails (policy/rules/iam.ts, exceptions applied) run on these resources, as
 * `pulumi preview --policy-pack policy` runs them: one "policy: message" line per violation; none means they pass.
 */
export async function iamGuardrailViolations(resources: readonly IamResource[], stack = "dev", project = "eks-app"): Promise<string[]> {
    const evaluated = resources.map(({ type, name, inputs }) => ({ type, name, props: inputs, urn: formatUrn({ stack, type, name }, [], project) }));
    return (await evaluatePolicies(iamGuardrails, evaluated)).map(({ policy, message }) => `${policy}: ${message}`);
}
