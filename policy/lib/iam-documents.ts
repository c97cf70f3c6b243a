import { CheckedResource } from "./rule";
import { isRecord, unknownValue, UnknownValue, valueAt } from "./properties";

/** One statement of an IAM policy document; any part may be unknown during preview. */
export interface Statement {
    /** How messages point at it: its Sid, or its position. */
    label: string;
    effect: unknown;
    /** Action as a list (absent is empty); elements are strings or `unknownValue`. */
    actions: unknown[] | UnknownValue;
    usesNotAction: boolean;
    /** Resource as a list (absent is empty). */
    resources: unknown[] | UnknownValue;
    usesNotResource: boolean;
    /** Who a trust statement lets assume the role: "*" or { Service | AWS | Federated | CanonicalUser: values }. */
    principal: unknown;
    usesNotPrincipal: boolean;
    condition: unknown;
}

export type ParsedDocument = { statements: Statement[] } | { unreadable: string } | UnknownValue;

/** An IAM document a resource carries, and where: trust documents say who may assume a role, not what it may do. */
export interface FoundDocument {
    where: string;
    kind: "trust" | "permissions";
    document: unknown;
}

function asList(value: unknown): unknown[] | UnknownValue {
    if (value === unknownValue) return unknownValue;
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value];
}

/** Parses a policy document given as a JSON string (what the AWS provider takes) or as an object. */
export function parsePolicyDocument(raw: unknown): ParsedDocument {
    if (raw === unknownValue) return unknownValue;
    let document: unknown = raw;
    if (typeof raw === "string") {
        try {
            document = JSON.parse(raw);
        } catch {
            return { unreadable: "it is not valid JSON" };
        }
    }
    const statements = asList(valueAt(document, "Statement"));
    if (statements === unknownValue) return unknownValue;
    if (!isRecord(document) || statements.length === 0) return { unreadable: "it has no Statement" };
    return {
        statements: statements.map((statement, index) => {
            const sid = valueAt(statement, "Sid");
            return {
                label: typeof sid === "string" && sid !== "" ? `statement "${sid}"` : `statement ${index + 1}`,
                effect: valueAt(statement, "Effect"),
                actions: asList(valueAt(statement, "Action")),
                usesNotAction: valueAt(statement, "NotAction") !== undefined,
                resources: asList(valueAt(statement, "Resource")),
                usesNotResource: valueAt(statement, "NotResource") !== undefined,
                principal: valueAt(statement, "Principal"),
                usesNotPrincipal: valueAt(statement, "NotPrincipal") !== undefined,
                condition: valueAt(statement, "Condition"),
            };
        }),
    };
}

/** Resource types whose `policy` property is a permissions document. */
const permissionDocumentTypes = [
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
];

export const iamDocumentTypes = ["aws:iam/role:Role", ...permissionDocumentTypes];

/** The IAM documents a role or policy resource carries; absent ones are left out. */
export function documentsOf(resource: CheckedResource): FoundDocument[] {
    const found: FoundDocument[] = [];
    const add = (where: string, kind: FoundDocument["kind"], document: unknown) => {
        if (document !== undefined) found.push({ where, kind, document });
    };
    if (resource.type === "aws:iam/role:Role") {
        add("assumeRolePolicy", "trust", resource.props.assumeRolePolicy);
        const inlinePolicies = asList(resource.props.inlinePolicies);
        if (inlinePolicies === unknownValue) {
            add("inlinePolicies", "permissions", unknownValue);
        } else {
            inlinePolicies.forEach((inline, index) => {
                const name = valueAt(inline, "name");
                add(`inline policy ${typeof name === "string" ? `"${name}"` : index + 1}`, "permissions", valueAt(inline, "policy"));
            });
        }
    } else if (permissionDocumentTypes.includes(resource.type)) {
        add("policy", "permissions", resource.props.policy);
    }
    return found;
}

/** Whether an IAM action pattern (with `*` and `?` wildcards, case-insensitive) covers an action. */
export function actionCovers(pattern: string, action: string): boolean {
    const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${regex}$`, "i").test(action);
}
