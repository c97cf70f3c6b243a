// A deploy role's IAM policy: the program's roles and instance profiles under its stack's path (/eks-app/<stack>/),
// only with its environment's program boundary, only carrying its environment's tag, only AWS's EKS and ECR policies
// attached, passed only to EKS, EKS Pod Identity and EC2.
//
// IAM has no condition key on a trust policy's content, so what a created role trusts is held elsewhere: the
// environment's boundary caps whoever assumes it (no IAM, only its environment's cluster and keys), and the policy
// pack's iam-role-trusts-only-cluster-services, which every preview and deploy runs, refuses a role of the program
// that trusts anything but EKS, EC2 or Pod Identity (docs/iam.md).
import { boundaryConditionedIamActions, guardrailStatements, roleMaintenanceActions, roleReadActions } from "./guardrails";
import { ciRoles, DeliveryContext, DeliveryEnvironment, document, iamArn, PolicyDocument, programBoundaryArn, programInstanceProfiles, programRoles, requestTags, resourceTags } from "./context";

/**
 * Services the program's roles are handed to: the control plane and node roles to EKS, addon roles to Pod Identity,
 * Karpenter's node role to EC2 (its instance profile).
 */
export const passedToServices = ["eks.amazonaws.com", "pods.eks.amazonaws.com", "ec2.amazonaws.com"];

/** The first cluster, node group or load balancer in an account creates these; AWS owns their policies. */
export const serviceLinkedRoleServices = ["eks.amazonaws.com", "eks-nodegroup.amazonaws.com", "elasticloadbalancing.amazonaws.com", "autoscaling.amazonaws.com"];

export function deployIamPolicy(ctx: DeliveryContext, environment: DeliveryEnvironment, deployRoleName: string): PolicyDocument {
    const withBoundary = { "iam:PermissionsBoundary": programBoundaryArn(ctx, environment) };
    const roles = programRoles(ctx, environment);
    const instanceProfiles = programInstanceProfiles(ctx, environment);
    return document(
        { Sid: "CreateProgramRoles", Effect: "Allow", Action: "iam:CreateRole", Resource: roles, Condition: { StringEquals: { ...withBoundary, ...requestTags(environment) } } },
        {
            // Tagging a role as it is created; never re-tagging another environment's role.
            Sid: "TagProgramRoles",
            Effect: "Allow",
            Action: "iam:TagRole",
            Resource: roles,
            Condition: { StringEquals: requestTags(environment), StringEqualsIfExists: resourceTags(environment) },
        },
        {
            Sid: "ChangeProgramRolePolicies",
            Effect: "Allow",
            Action: boundaryConditionedIamActions.filter((action) => action !== "iam:CreateRole"),
            Resource: roles,
            Condition: { StringEquals: { ...withBoundary, ...resourceTags(environment) } },
        },
        {
            Sid: "MaintainProgramRoles",
            Effect: "Allow",
            Action: roleMaintenanceActions.filter((action) => action !== "iam:TagRole"),
            Resource: roles,
            Condition: { StringEquals: resourceTags(environment) },
        },
        { Sid: "ReadProgramRoles", Effect: "Allow", Action: roleReadActions, Resource: roles },
        {
            Sid: "AttachNothingButAwsEksPolicies",
            Effect: "Deny",
            Action: "iam:AttachRolePolicy",
            Resource: roles,
            Condition: {
                ArnNotLike: { "iam:PolicyARN": [`arn:${ctx.partition}:iam::aws:policy/AmazonEKS*`, `arn:${ctx.partition}:iam::aws:policy/AmazonEC2ContainerRegistry*`] },
            },
        },
        {
            Sid: "CreateProgramInstanceProfiles",
            Effect: "Allow",
            Action: ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
            Resource: instanceProfiles,
            Condition: { StringEquals: requestTags(environment), StringEqualsIfExists: resourceTags(environment) },
        },
        {
            Sid: "ChangeProgramInstanceProfiles",
            Effect: "Allow",
            Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile", "iam:UntagInstanceProfile"],
            Resource: instanceProfiles,
            Condition: { StringEquals: resourceTags(environment) },
        },
        { Sid: "ReadProgramInstanceProfiles", Effect: "Allow", Action: "iam:GetInstanceProfile", Resource: instanceProfiles },
        {
            // No tag condition: IAM never puts a passed role's tags in the request (User Guide, "Grant a user
            // permissions to pass a role"), so one would refuse every pass. The stack's path is the only scope.
            Sid: "PassProgramRolesToEks",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: roles,
            Condition: { StringEquals: { "iam:PassedToService": passedToServices } },
        },
        {
            Sid: "CreateServiceLinkedRoles",
            Effect: "Allow",
            Action: "iam:CreateServiceLinkedRole",
            Resource: iamArn(ctx, "role/aws-service-role/*"),
            Condition: { StringEquals: { "iam:AWSServiceName": serviceLinkedRoleServices } },
        },
        {
            // The program resolves the role behind its session (aws.iam.getSessionContext) to grant it cluster access.
            Sid: "ReadOwnRole",
            Effect: "Allow",
            Action: "iam:GetRole",
            Resource: ciRoles(ctx).replace(/\*$/, deployRoleName),
        },
        ...guardrailStatements(ctx, environment),
    );
}
