// The permissions boundaries bootstrap/ gives the roles the program creates, one per environment, evaluated against
// what the real program's roles are given: all of it allowed, nothing beyond it, and nothing of the other
// environment's.
import { strict as assert } from "node:assert";
import type { PolicyDocument, PolicyStatement } from "../../components/iam-documents";
import { awsManagedPolicyActions, DeliveryEnvironment, stackOf } from "../../bootstrap/policies";
import { runProgram, Run } from "../../harness";
import { allowedActions, evaluate, Request } from "./iam-evaluator";
import { accountId, asList, otherEnvironment, parsed, region, runBootstrap } from "./bootstrap-support";

describe("the program boundaries, evaluated against the program's roles", function () {
    this.timeout(120000);
    let run: Run;
    const boundary = (environment: DeliveryEnvironment): PolicyDocument => parsed(run.one("aws:iam/policy:Policy", `${environment}-program-boundary`).inputs.policy);

    const programs: Partial<Record<DeliveryEnvironment, Run>> = {};
    const programStatements = (environment: DeliveryEnvironment): PolicyStatement[] => {
        const program = programs[environment] as Run;
        return [
            ...program.ofType("aws:iam/rolePolicy:RolePolicy").flatMap((policy) => parsed(policy.inputs.policy).Statement),
            ...program
                .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .map((attachment): PolicyStatement => ({ Effect: "Allow", Action: awsManagedPolicyActions[String(attachment.inputs.policyArn).split("/").pop() as string] ?? [`unknown:${attachment.inputs.policyArn}`], Resource: "*" })),
        ];
    };

    before(async () => {
        run = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
        for (const environment of ["staging", "production"] as const) programs[environment] = await runProgram(stackOf[environment] as "dev" | "prod");
    });

    for (const environment of ["staging", "production"] as const) {
        describe(`${environment}'s boundary`, () => {
            const stack = stackOf[environment];
            const name = `eks-app-${stack}`;
            /** A request that meets the program statement's own conditions, on a key or role of this environment. */
            const contextFor = (statement: PolicyStatement): Record<string, string> => ({
                "aws:ResourceTag/project": "eks-app",
                "aws:ResourceTag/environment": environment,
                ...Object.fromEntries(Object.values(statement.Condition ?? {}).flatMap((keys) => Object.entries(keys).map(([key, values]) => [key, asList(values)[0] as string]))),
            });
            /** A concrete resource for a statement's pattern; the mocks leave a bucket's and a queue's ARN unknown. */
            const representative = (action: string, pattern: string) => {
                if (action.startsWith("s3:") && !pattern.startsWith("arn:")) {
                    return action === "s3:ListBucket" ? `arn:aws:s3:::${name}-logs` : `arn:aws:s3:::${name}-logs/chunks/1`;
                }
                if (action.startsWith("sqs:")) return `arn:aws:sqs:${region}:${accountId}:${name}-karpenter`;
                if (pattern !== "*") return pattern.replace(/\*$/, "1");
                if (action.startsWith("eks")) return `arn:aws:eks:${region}:${accountId}:cluster/${name}`;
                if (action.startsWith("kms:")) return `arn:aws:kms:${region}:${accountId}:key/cluster-secrets`;
                return "*";
            };

            it(`allows every action the ${stackOf[environment]} program's roles are given, on the resources they are given it for`, () => {
                const refused: string[] = [];
                for (const statement of programStatements(environment).filter((s) => s.Effect === "Allow")) {
                    // The cluster policy's own CreateServiceLinkedRole stays out: that role is made once beforehand.
                    for (const action of asList(statement.Action).filter((a) => a !== "iam:CreateServiceLinkedRole")) {
                        for (const pattern of statement.Resource === undefined || statement.Resource === null ? ["*"] : asList(statement.Resource)) {
                            const resource = representative(action, pattern);
                            // Under mocks a queue's or bucket's ARN is unknown: the program statement then names the representative.
                            const known = statement.Resource !== undefined && statement.Resource !== null && (pattern.startsWith("arn:") || pattern === "*");
                            const given = known ? statement : { ...statement, Resource: resource };
                            if (evaluate([{ Version: "2012-10-17", Statement: [given] }], { action, resource, context: contextFor(statement) }, boundary(environment)) !== "allowed") {
                                refused.push(`${action} ${resource}`);
                            }
                        }
                    }
                }
                assert.deepEqual(refused, []);
            });

            it("allows nothing beyond what either stack's program roles are given: no IAM writes, S3 and KMS only on the project's, EKS only on its clusters", () => {
                // Either stack's: what a stack creates depends on its config (staging can keep Loki's logs in S3 too).
                const given = new Set((["staging", "production"] as const).flatMap(programStatements).flatMap((statement) => asList(statement.Action)));
                const ceiling = boundary(environment);
                assert.deepEqual([...allowedActions([ceiling])].filter((action) => !given.has(action)), []);
                for (const action of ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:CreateServiceLinkedRole", "iam:CreateAccessKey", "logs:CreateLogGroup"]) {
                    assert.notEqual(evaluate([ceiling], { action, resource: `arn:aws:iam::${accountId}:role/eks-app/${stack}/x` }), "allowed", action);
                }
                assert.equal(evaluate([ceiling], { action: "iam:PassRole", resource: `arn:aws:iam::${accountId}:role/admin`, context: { "iam:PassedToService": "ec2.amazonaws.com" } }), "not allowed");
                assert.equal(evaluate([ceiling], { action: "iam:PassRole", resource: `arn:aws:iam::${accountId}:role/eks-app/${stack}/x`, context: { "iam:PassedToService": "lambda.amazonaws.com" } }), "not allowed");
                assert.equal(evaluate([ceiling], { action: "s3:GetObject", resource: "arn:aws:s3:::someone-elses-bucket/secret" }), "not allowed");
                assert.equal(evaluate([ceiling], { action: "kms:Decrypt", resource: `arn:aws:kms:${region}:${accountId}:key/foreign`, context: { "aws:ResourceTag/project": "other" } }), "not allowed");
                assert.equal(evaluate([ceiling], { action: "eks:DescribeCluster", resource: `arn:aws:eks:${region}:${accountId}:cluster/other` }), "not allowed");
            });

            it(`lets a role under it reach ${environment}'s cluster, queue, bucket, keys, node role and tagged EC2, load balancers and groups, and not ${otherEnvironment[environment]}'s`, () => {
                const reach = (env: DeliveryEnvironment): Request[] => {
                    const other = `eks-app-${stackOf[env]}`;
                    const tagged = { "aws:ResourceTag/project": "eks-app", "aws:ResourceTag/environment": env };
                    // The Karpenter node role at the path that environment's program gives it.
                    const nodeRole = (programs[env] as Run).one("aws:iam/role:Role", "autoscaling-karpenter-node");
                    return [
                        { action: "eks:DescribeCluster", resource: `arn:aws:eks:${region}:${accountId}:cluster/${other}` },
                        { action: "eks-auth:AssumeRoleForPodIdentity", resource: `arn:aws:eks:${region}:${accountId}:cluster/${other}` },
                        { action: "sqs:ReceiveMessage", resource: `arn:aws:sqs:${region}:${accountId}:${other}-karpenter` },
                        { action: "s3:ListBucket", resource: `arn:aws:s3:::${other}-logs-${accountId}-${region}` },
                        { action: "s3:GetObject", resource: `arn:aws:s3:::${other}-logs-${accountId}-${region}/chunks/1` },
                        { action: "kms:Decrypt", resource: `arn:aws:kms:${region}:${accountId}:key/volumes`, context: tagged },
                        { action: "kms:CreateGrant", resource: `arn:aws:kms:${region}:${accountId}:key/volumes`, context: tagged },
                        { action: "iam:PassRole", resource: `arn:aws:iam::${accountId}:role${nodeRole.inputs.path}${nodeRole.name}`, context: { ...tagged, "iam:PassedToService": "ec2.amazonaws.com" } },
                        // EC2, load balancing and Auto Scaling are open in either environment, but not on what carries the
                        // other's tag: its network and cluster security group, Karpenter's nodes and templates, the EBS CSI
                        // driver's volumes (retained ones included), nor tagging something new as the other's.
                        ...[
                            ["ec2:CreateRoute", "route-table/rtb-1"],
                            ["ec2:RunInstances", "subnet/subnet-1"],
                            ["ec2:RunInstances", "security-group/sg-1"],
                            ["ec2:AuthorizeSecurityGroupIngress", "security-group/sg-1"],
                            ["ec2:CreateTags", "security-group/sg-1"],
                            ["ec2:TerminateInstances", "instance/i-1"],
                            ["ec2:DetachVolume", "volume/vol-1"],
                            ["ec2:DeleteVolume", "volume/vol-1"],
                            ["ec2:DeleteLaunchTemplate", "launch-template/lt-1"],
                        ].map(([action, resource]) => ({ action, resource: `arn:aws:ec2:${region}:${accountId}:${resource}`, context: tagged })),
                        { action: "ec2:CreateVolume", resource: `arn:aws:ec2:${region}:${accountId}:volume/*`, context: { "aws:RequestTag/environment": env } },
                        { action: "elasticloadbalancing:DeleteLoadBalancer", resource: `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/net/app/1`, context: tagged },
                        { action: "autoscaling:UpdateAutoScalingGroup", resource: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:1:autoScalingGroupName/nodes`, context: tagged },
                    ];
                };
                // What a role the deploy role creates may be given at most: everything, capped by the boundary.
                const anything = (requests: Request[]): PolicyDocument[] => [{ Version: "2012-10-17", Statement: requests.map((request) => ({ Effect: "Allow", Action: request.action, Resource: request.resource })) }];
                const decide = (requests: Request[]) =>
                    requests.map((request) => `${request.action} ${request.resource} ${evaluate(anything(requests), request, boundary(environment)) === "allowed" ? "reached" : "refused"}`);

                const own = reach(environment);
                assert.deepEqual(decide(own), own.map((request) => `${request.action} ${request.resource} reached`));
                const others = reach(otherEnvironment[environment]);
                assert.deepEqual(decide(others), others.map((request) => `${request.action} ${request.resource} refused`));
            });
        });
    }
});
