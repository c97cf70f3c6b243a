import { ProgramRun } from "../../harness";

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

/**
 * Actions whose AWS API has no resource-level permissions, so `Resource: "*"` is the only choice.
 * (EC2 Describe* calls; sts:GetCallerIdentity.)
 */
export function needsWildcardResource(action: string): boolean {
    return /^ec2:Describe[A-Za-z]+$/.test(action) || action === "sts:GetCallerIdentity";
}

/** Problems that make a permission statement more than least privilege; empty when it is fine. */
export function leastPrivilegeProblems(doc: FoundDocument): string[] {
    const problems: string[] = [];
    for (const [index, statement] of doc.statements.entries()) {
        const where = `${doc.source} statement ${statement.Sid ?? index}`;
        if (statement.NotAction !== undefined) problems.push(`${where}: uses NotAction`);
        if (statement.Effect !== "Allow") continue;
        const actions = list(statement.Action);
        for (const action of actions) {
            if (action.includes("*")) problems.push(`${where}: wildcard action ${action}`);
        }
        if (doc.kind === "permissions") {
            const resources = list(statement.Resource);
            if (resources.length === 0) problems.push(`${where}: no Resource`);
            if (resources.includes("*")) {
                const scoped = actions.filter((action) => !needsWildcardResource(action));
                if (scoped.length > 0) problems.push(`${where}: Resource "*" for actions that support resource-level permissions: ${scoped.join(", ")}`);
            }
        }
    }
    return problems;
}
