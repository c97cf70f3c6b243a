// bootstrap/ under the harness's mocks: what each deploy role may do, by evaluating the documents it creates against
// the calls the real program's resources need, and the guardrails in those documents.
import { strict as assert } from "node:assert";
import type { PolicyDocument } from "../../components/iam-documents";
import { DeliveryEnvironment, passedToServices, stackOf } from "../../bootstrap/policies";
import { runProgram, Run } from "../../harness";
import { allowedActions, evaluate, Request } from "./iam-evaluator";
import { callsByType, CallContext, componentChildren, environmentNeutral, programDataSourceCalls } from "./program-aws-calls";
import { accountId, boundaryArnOf, deployRoleOf, otherEnvironment, parsed, region, runBootstrap } from "./bootstrap-support";

describe("bootstrap (GitHub OIDC, delivery roles, state backend)", function () {
    this.timeout(120000);
    let run: Run;
    const roleArn = (key: string) => String(run.outputs[`${key}RoleArn`]);
    const policiesOf = (key: string): PolicyDocument[] => run.resources.filter((r) => r.type === "aws:iam/policy:Policy" && r.name.startsWith(`${key}-`)).map((r) => parsed(r.inputs.policy));

    before(async () => {
        run = await runBootstrap({ "eks-app-bootstrap:githubRepository": "acme/eks-app" });
    });

    for (const environment of ["staging", "production"] as const) {
        describe(`the ${environment} deploy role, evaluated against the calls the ${stackOf[environment]} program's resources need`, () => {
            let program: Awaited<ReturnType<typeof runProgram>>;
            let context: CallContext;
            const deployPolicies = () => policiesOf(deployRoleOf[environment]);
            const callsOf = (c: CallContext, types: string[]) => [...programDataSourceCalls(c), ...types.flatMap((type) => callsByType[type]?.(c) ?? [])];
            const awsTypes = () => [
                ...new Set(
                    program.resources
                        .filter((resource) => (resource.custom || resource.type in componentChildren) && !resource.type.startsWith("pulumi:providers:"))
                        .flatMap((resource) => componentChildren[resource.type] ?? [resource.type])
                        .filter((type) => /^aws:/.test(type)),
                ),
            ];

            before(async () => {
                program = await runProgram(stackOf[environment] as "dev" | "prod", {
                    config: { "eks-app:imageTag": "1111111111111111111111111111111111111111", "eks-app:iamPermissionsBoundaryArn": String(run.outputs[`${environment}PermissionsBoundaryArn`]) },
                });
                const stack = stackOf[environment];
                context = { environment, stack, name: `eks-app-${stack}`, accountId, region, programBoundaryArn: boundaryArnOf(environment), deployRoleArn: roleArn(deployRoleOf[environment]) };
            });

            it("has a table entry for every AWS resource type the program creates", () => {
                for (const type of awsTypes()) assert.ok(callsByType[type], `tests/delivery/program-aws-calls.ts lists no calls for ${type}`);
                assert.ok(awsTypes().length >= 15);
            });

            it("allows every call the program's resources need on create, update and delete", () => {
                const refused = callsOf(context, awsTypes()).filter((call) => evaluate(deployPolicies(), call) !== "allowed");
                assert.deepEqual(refused.map((call) => `${call.action} ${call.resource} ${evaluate(deployPolicies(), call)}`), []);
            });

            it("allows no action the program's resources, the state and the image copy do not need", () => {
                const needed = new Set(callsOf(context, Object.keys(callsByType)).map((call) => call.action));
                const pipeline = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "ecr:GetAuthorizationToken"];
                const imageCopy = ["ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"];
                const extra = [...allowedActions(deployPolicies())].filter((action) => !needed.has(action) && !pipeline.includes(action) && !imageCopy.includes(action));
                assert.deepEqual(extra, []);
            });

            it(`refuses every write the ${otherEnvironment[environment]} program's resources need`, () => {
                const other = {
                    ...context,
                    environment: otherEnvironment[environment],
                    stack: stackOf[otherEnvironment[environment]],
                    name: `eks-app-${stackOf[otherEnvironment[environment]]}`,
                    programBoundaryArn: boundaryArnOf(otherEnvironment[environment]),
                };
                const writes = callsOf(other, awsTypes()).filter(
                    (call) =>
                        call.resource !== "*" &&
                        !/:(Describe|Get|List)/.test(call.action) &&
                        call.action !== "iam:CreateServiceLinkedRole" &&
                        !environmentNeutral(call),
                );
                assert.ok(writes.length > 50);
                const allowed = writes.filter((call) => evaluate(deployPolicies(), call) === "allowed");
                assert.deepEqual(allowed.map((call) => `${call.action} ${call.resource}`), []);
            });

            it(`touches no role or instance profile under /eks-app/${stackOf[otherEnvironment[environment]]}/, not even one carrying its own tags and boundary`, () => {
                // PassRole carries no tags, so the path must hold every grant: a role this deploy role could put
                // there, the other environment's deploy role and node roles could pass.
                const misplaced = { ...context, stack: stackOf[otherEnvironment[environment]] };
                const calls = callsOf(misplaced, Object.keys(callsByType)).filter((call) => /:iam::\d+:(role|instance-profile)\/eks-app\//.test(call.resource));
                assert.ok(calls.length >= 30);
                const allowed = calls.filter((call) => evaluate(deployPolicies(), call) === "allowed");
                assert.deepEqual(allowed.map((call) => `${call.action} ${call.resource}`), []);
            });

            it(`alone passes the ${stackOf[environment]} program's roles, at the paths it gives them, to EKS, Pod Identity and EC2`, () => {
                const passes = program.ofType("aws:iam/role:Role").flatMap((role) =>
                    passedToServices.map((service): Request => ({ action: "iam:PassRole", resource: `arn:aws:iam::${accountId}:role${role.inputs.path}${role.name}`, context: { "iam:PassedToService": service } })),
                );
                assert.ok(passes.length >= 4 * passedToServices.length);
                const show = (request: Request, decision: string) => `${request.resource} to ${request.context?.["iam:PassedToService"]}: ${decision}`;
                const decisions = (key: string) => passes.map((request) => show(request, evaluate(policiesOf(key), request)));
                assert.deepEqual(decisions(deployRoleOf[environment]), passes.map((request) => show(request, "allowed")));
                assert.deepEqual(decisions(deployRoleOf[otherEnvironment[environment]]), passes.map((request) => show(request, "not allowed")));
            });

            it("creates the program's roles only because the stack gives them the boundary: without it CreateRole is denied", () => {
                const roles = program.ofType("aws:iam/role:Role");
                assert.ok(roles.length >= 3);
                for (const role of roles) {
                    assert.equal(role.inputs.permissionsBoundary, boundaryArnOf(environment), role.name);
                    const createRole = (boundaryInRequest: Record<string, string>): Request => ({
                        action: "iam:CreateRole",
                        resource: `arn:aws:iam::${accountId}:role${role.inputs.path}${role.name}`,
                        context: { "aws:RequestTag/project": "eks-app", "aws:RequestTag/environment": environment, ...boundaryInRequest },
                    });
                    assert.equal(evaluate(deployPolicies(), createRole({ "iam:PermissionsBoundary": role.inputs.permissionsBoundary })), "allowed", role.name);
                    assert.equal(evaluate(deployPolicies(), createRole({})), "explicitly denied", role.name);
                }
            });

            it(`launches from its own templates only into ${environment}'s subnets and security groups, never ${otherEnvironment[environment]}'s`, () => {
                const ec2 = (resource: string) => `arn:aws:ec2:${region}:${accountId}:${resource}`;
                const launch = (resource: string, env?: DeliveryEnvironment): Request => ({
                    action: "ec2:RunInstances",
                    resource: ec2(resource),
                    context: { "ec2:LaunchTemplate": ec2("launch-template/lt-own"), ...(env ? { "aws:ResourceTag/project": "eks-app", "aws:ResourceTag/environment": env } : {}) },
                });
                const decide = (requests: Request[]) => requests.map((request) => `${request.resource} ${evaluate(deployPolicies(), request)}`);
                const own = [launch("subnet/subnet-own", environment), launch("security-group/sg-own", environment), launch("network-interface/*"), launch("network-interface/eni-own", environment)];
                assert.deepEqual(decide(own), own.map((request) => `${request.resource} allowed`));
                const other = otherEnvironment[environment];
                const foreign = [launch("subnet/subnet-other", other), launch("security-group/sg-other", other), launch("network-interface/eni-other", other), launch("subnet/subnet-untagged"), launch("security-group/sg-untagged")];
                assert.deepEqual(decide(foreign), foreign.map((request) => `${request.resource} not allowed`));
            });

            it(`cannot create or re-bound a role with the ${otherEnvironment[environment]} boundary, which would let it reach ${otherEnvironment[environment]}`, () => {
                const role = `arn:aws:iam::${accountId}:role/eks-app/${stackOf[environment]}/cluster-node-1`;
                const withBoundary = (boundary: string, tags: "RequestTag" | "ResourceTag") => ({
                    "iam:PermissionsBoundary": boundary,
                    [`aws:${tags}/project`]: "eks-app",
                    [`aws:${tags}/environment`]: environment,
                    "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
                });
                const requests = (boundary: string): Request[] => [
                    { action: "iam:CreateRole", resource: role, context: withBoundary(boundary, "RequestTag") },
                    ...["iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"].map((action) => ({ action, resource: role, context: withBoundary(boundary, "ResourceTag") })),
                ];
                const decisions = (boundary: string) => requests(boundary).map((request) => `${request.action} ${evaluate(deployPolicies(), request)}`);

                assert.deepEqual(decisions(boundaryArnOf(environment)), requests("").map((request) => `${request.action} allowed`));
                assert.deepEqual(decisions(boundaryArnOf(otherEnvironment[environment])), requests("").map((request) => `${request.action} explicitly denied`));
            });
        });
    }

    describe("guardrails in the deploy roles' own policies", () => {
        const deny = (request: Request) => assert.equal(evaluate(policiesOf("stagingDeploy"), request), "explicitly denied", `${request.action} ${request.resource}`);

        it("deny changing the boundary or CI's roles, roles without the boundary, foreign policies, users and keys", () => {
            for (const environment of ["staging", "production"] as const) {
                for (const action of ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"]) deny({ action, resource: boundaryArnOf(environment) });
            }
            deny({ action: "iam:DeleteRolePermissionsBoundary", resource: `arn:aws:iam::${accountId}:role/eks-app/dev/cluster-node-1` });
            for (const action of ["iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRole"]) {
                deny({ action, resource: roleArn("productionDeploy"), context: { "iam:PermissionsBoundary": boundaryArnOf("staging") } });
            }
            deny({
                action: "iam:AttachRolePolicy",
                resource: `arn:aws:iam::${accountId}:role/eks-app/dev/cluster-node-1`,
                context: { "iam:PermissionsBoundary": boundaryArnOf("staging"), "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess", "aws:ResourceTag/project": "eks-app", "aws:ResourceTag/environment": "staging" },
            });
            for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"]) deny({ action, resource: `arn:aws:iam::${accountId}:user/someone` });
        });

        it("let the deploy roles pass the program's roles to EKS, Pod Identity and EC2 (Karpenter's instance profile) only", () => {
            const pass = (service: string): Request => ({
                action: "iam:PassRole",
                resource: `arn:aws:iam::${accountId}:role/eks-app/dev/cluster-node-1`,
                context: { "iam:PassedToService": service, "aws:ResourceTag/project": "eks-app", "aws:ResourceTag/environment": "staging" },
            });
            for (const service of ["eks.amazonaws.com", "pods.eks.amazonaws.com", "ec2.amazonaws.com"]) assert.equal(evaluate(policiesOf("stagingDeploy"), pass(service)), "allowed", service);
            for (const service of ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"]) assert.equal(evaluate(policiesOf("stagingDeploy"), pass(service)), "not allowed", service);
        });
    });
});
