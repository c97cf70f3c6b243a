// The permissions boundary bootstrap/ gives every role the program creates, evaluated against what the real
// program's roles are given: all of it allowed, and nothing beyond it.
import { strict as assert } from "node:assert";
import type { PolicyStatement } from "../../components/iam-documents";
import { awsManagedPolicyActions } from "../../bootstrap/policies";
import { runProgram, Run } from "../../harness";
import { allowedActions, evaluate } from "./iam-evaluator";
import { accountId, asList, parsed, region, runBootstrap } from "./bootstrap-support";

describe("the program boundary, evaluated against the program's roles", function () {
    this.timeout(120000);
    let run: Run;
    const boundary = () => parsed(run.one("aws:iam/policy:Policy", "program-boundary").inputs.policy);

    before(async () => {
        run = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
    });

    let program: Awaited<ReturnType<typeof runProgram>>;
    /** A request that meets the program statement's own conditions, on a project key's tags. */
    const contextFor = (statement: PolicyStatement): Record<string, string> => ({
        "aws:ResourceTag/project": "eks-app",
        ...Object.fromEntries(Object.values(statement.Condition ?? {}).flatMap((keys) => Object.entries(keys).map(([key, values]) => [key, asList(values)[0] as string]))),
    });
    /** A concrete resource for a statement's pattern; the mocks leave a bucket's and a queue's ARN unknown. */
    const representative = (action: string, pattern: string) => {
        if (action.startsWith("s3:") && !pattern.startsWith("arn:")) {
            return action === "s3:ListBucket" ? `arn:aws:s3:::eks-app-prod-logs` : `arn:aws:s3:::eks-app-prod-logs/chunks/1`;
        }
        if (action.startsWith("sqs:")) return `arn:aws:sqs:${region}:${accountId}:eks-app-prod-karpenter`;
        if (pattern !== "*") return pattern.replace(/\*$/, "1");
        if (action.startsWith("eks")) return `arn:aws:eks:${region}:${accountId}:cluster/eks-app-prod`;
        if (action.startsWith("kms:")) return `arn:aws:kms:${region}:${accountId}:key/cluster-secrets`;
        return "*";
    };

    before(async () => {
        program = await runProgram("prod");
    });

    const programStatements = (): PolicyStatement[] => [
        ...program.ofType("aws:iam/rolePolicy:RolePolicy").flatMap((policy) => parsed(policy.inputs.policy).Statement),
        ...program
            .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .map((attachment): PolicyStatement => ({ Effect: "Allow", Action: awsManagedPolicyActions[String(attachment.inputs.policyArn).split("/").pop() as string] ?? [`unknown:${attachment.inputs.policyArn}`], Resource: "*" })),
    ];

    it("allows every action the program's roles are given, on the resources they are given it for", () => {
        const refused: string[] = [];
        for (const statement of programStatements().filter((s) => s.Effect === "Allow")) {
            // The cluster policy's own CreateServiceLinkedRole stays out: that role is made once beforehand.
            for (const action of asList(statement.Action).filter((a) => a !== "iam:CreateServiceLinkedRole")) {
                for (const pattern of statement.Resource === undefined || statement.Resource === null ? ["*"] : asList(statement.Resource)) {
                    const resource = representative(action, pattern);
                    // Under mocks a queue's or bucket's ARN is unknown: the program statement then names the representative.
                    const known = statement.Resource !== undefined && statement.Resource !== null && (pattern.startsWith("arn:") || pattern === "*");
                    const given = known ? statement : { ...statement, Resource: resource };
                    if (evaluate([{ Version: "2012-10-17", Statement: [given] }], { action, resource, context: contextFor(statement) }, boundary()) !== "allowed") {
                        refused.push(`${action} ${resource}`);
                    }
                }
            }
        }
        assert.deepEqual(refused, []);
    });

    it("allows nothing beyond them: no IAM writes, S3 and KMS only on the project's, EKS only on its clusters", () => {
        const given = new Set(programStatements().flatMap((statement) => asList(statement.Action)));
        assert.deepEqual([...allowedActions([boundary()])].filter((action) => !given.has(action)), []);
        for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateServiceLinkedRole", "iam:CreateAccessKey", "logs:CreateLogGroup"]) {
            assert.notEqual(evaluate([boundary()], { action, resource: `arn:aws:iam::${accountId}:role/eks-app/x` }), "allowed", action);
        }
        assert.equal(evaluate([boundary()], { action: "iam:PassRole", resource: `arn:aws:iam::${accountId}:role/admin`, context: { "iam:PassedToService": "ec2.amazonaws.com" } }), "not allowed");
        assert.equal(evaluate([boundary()], { action: "iam:PassRole", resource: `arn:aws:iam::${accountId}:role/eks-app/x`, context: { "iam:PassedToService": "lambda.amazonaws.com" } }), "not allowed");
        assert.equal(evaluate([boundary()], { action: "s3:GetObject", resource: "arn:aws:s3:::someone-elses-bucket/secret" }), "not allowed");
        assert.equal(evaluate([boundary()], { action: "kms:Decrypt", resource: `arn:aws:kms:${region}:${accountId}:key/foreign`, context: { "aws:ResourceTag/project": "other" } }), "not allowed");
        assert.equal(evaluate([boundary()], { action: "eks:DescribeCluster", resource: `arn:aws:eks:${region}:${accountId}:cluster/other` }), "not allowed");
    });
});
