// A small IAM policy evaluator, enough to hold the delivery roles to what AWS would decide (IAM User Guide, "Policy
// evaluation logic" and "IAM JSON policy elements: Condition operators"):
//   - an explicit Deny in any document wins; otherwise a request needs an Allow in the identity policies and, when
//     the role has a permissions boundary, an Allow in the boundary too;
//   - Action and Resource match with `*` and `?` wildcards, case-insensitively for actions;
//   - every condition operator in a statement must hold (AND), any value of a key may match (OR); a key missing from
//     the request fails a condition, except with ...IfExists, and for the negated operators, which then hold.
// Operators: StringEquals, StringNotEquals, StringLike, StringNotLike, ArnLike, ArnNotLike, ArnEquals, Bool, each
// with IfExists, and the ForAllValues:/ForAnyValue: set qualifiers. Anything else throws: an operator the evaluator does not know must not quietly pass.
import type { PolicyDocument, PolicyStatement } from "../../components/iam-documents";

export interface Request {
    action: string;
    resource: string;
    /** Condition keys of the request: aws:RequestTag/…, aws:ResourceTag/…, iam:PermissionsBoundary, … */
    context?: Record<string, string | string[]>;
}

export type Decision = "allowed" | "explicitly denied" | "not allowed";

const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([] as T[]).concat(value));

export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, caseInsensitive ? "i" : "");
    return regex.test(value);
}

function conditionHolds(qualifiedOperator: string, key: string, expected: string[], context: Record<string, string | string[]>): boolean {
    const [qualifier, operator] = qualifiedOperator.includes(":") ? (qualifiedOperator.split(":") as [string, string]) : [undefined, qualifiedOperator];
    if (qualifier !== undefined && qualifier !== "ForAllValues" && qualifier !== "ForAnyValue") throw new Error(`the evaluator does not know ${qualifiedOperator}`);
    const ifExists = operator.endsWith("IfExists");
    const base = ifExists ? operator.slice(0, -"IfExists".length) : operator;
    const lookup = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase());
    const negated = base.includes("Not");
    // ForAllValues holds for a missing or empty key (every one of no values matches); ForAnyValue does not.
    if (qualifier === "ForAllValues" && (lookup === undefined || asList(lookup[1]).length === 0)) return true;
    if (lookup === undefined) return qualifier === undefined && (ifExists || negated);
    if (qualifier === "ForAllValues") return asList(lookup[1]).every((value) => conditionHolds(operator, key, expected, { [key]: value }));
    if (qualifier === "ForAnyValue") return asList(lookup[1]).some((value) => conditionHolds(operator, key, expected, { [key]: value }));
    const actual = asList(lookup[1]);
    const matches = (test: (want: string, got: string) => boolean) => actual.some((got) => expected.some((want) => test(want, got)));
    switch (base) {
        case "StringEquals":
        case "ArnEquals":
            return matches((want, got) => want === got);
        case "StringNotEquals":
            return !matches((want, got) => want === got);
        case "StringLike":
        case "ArnLike":
            return matches((want, got) => wildcardMatch(want, got));
        case "StringNotLike":
        case "ArnNotLike":
            return !matches((want, got) => wildcardMatch(want, got));
        case "Bool":
            return matches((want, got) => want.toLowerCase() === got.toLowerCase());
        default:
            throw new Error(`the evaluator does not know the condition operator ${operator}`);
    }
}

/**
 * The condition keys AWS puts in a request's context. iam:PassRole carries none of the passed role's tags: "You cannot
 * limit permissions to pass a role based on tags attached to the role using the ResourceTag/key-name condition key"
 * (IAM User Guide, "Grant a user permissions to pass a role to an AWS service"). A caller's test may list them anyway
 * (a request built from a statement's own conditions); they are dropped here, as AWS never sends them.
 */
function requestContext(request: Request): Record<string, string | string[]> {
    const context = request.context ?? {};
    if (request.action.toLowerCase() !== "iam:passrole") return context;
    return Object.fromEntries(Object.entries(context).filter(([key]) => !/^(aws|iam):ResourceTag\//i.test(key)));
}

export function statementApplies(statement: PolicyStatement, request: Request): boolean {
    if (!asList(statement.Action).some((action) => wildcardMatch(action, request.action, true))) return false;
    if (!asList(statement.Resource).some((resource) => wildcardMatch(resource, request.resource))) return false;
    const context = requestContext(request);
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, values]) => conditionHolds(operator, key, asList(values), context)),
    );
}

export function evaluate(identity: PolicyDocument[], request: Request, boundary?: PolicyDocument): Decision {
    const statements = [...identity, ...(boundary ? [boundary] : [])].flatMap((document) => document.Statement);
    if (statements.some((statement) => statement.Effect === "Deny" && statementApplies(statement, request))) return "explicitly denied";
    const allowedBy = (documents: PolicyDocument[]) =>
        documents.some((document) => document.Statement.some((statement) => statement.Effect === "Allow" && statementApplies(statement, request)));
    return allowedBy(identity) && (boundary === undefined || allowedBy([boundary])) ? "allowed" : "not allowed";
}

/** Every action an Allow statement names, for "nothing beyond what is needed" checks. */
export function allowedActions(documents: PolicyDocument[]): Set<string> {
    return new Set(documents.flatMap((document) => document.Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) => asList(statement.Action))));
}
