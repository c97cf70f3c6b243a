// Denials in the deploy roles' own IAM policy that hold whatever else is allowed. Deny statements may name every
// resource: they only ever take permissions away.
import { AwsContext, ciIamPath, ciRoles, DeliveryEnvironment, iamArn, PolicyStatement, programBoundaryArn } from "./context";

/** IAM writes that accept the iam:PermissionsBoundary condition key (Service Authorization Reference, IAM). */
export const boundaryConditionedIamActions = [
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
];

/** Role writes without that condition key. */
export const roleMaintenanceActions = ["iam:DeleteRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy"];

export const roleReadActions = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"];

/** The denials of one environment's deploy role: its roles carry its own environment's boundary, no other. */
export function guardrailStatements(ctx: AwsContext, environment: DeliveryEnvironment): PolicyStatement[] {
    return [
        {
            // Both environments' boundaries live on CI's path.
            Sid: "DenyChangingCiPolicies",
            Effect: "Deny",
            Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
            Resource: iamArn(ctx, `policy${ciIamPath}*`),
        },
        {
            Sid: "DenyRemovingBoundaries",
            Effect: "Deny",
            Action: ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            Resource: "*",
        },
        {
            Sid: "DenyRolesWithoutTheBoundary",
            Effect: "Deny",
            Action: boundaryConditionedIamActions,
            Resource: "*",
            Condition: { StringNotEquals: { "iam:PermissionsBoundary": programBoundaryArn(ctx, environment) } },
        },
        {
            Sid: "DenyChangingCiRoles",
            Effect: "Deny",
            Action: [...boundaryConditionedIamActions, ...roleMaintenanceActions],
            Resource: ciRoles(ctx),
        },
        {
            Sid: "DenyUsersAndKeys",
            Effect: "Deny",
            Action: [
                "iam:CreateUser",
                "iam:CreateAccessKey",
                "iam:UpdateAccessKey",
                "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile",
                "iam:CreateServiceSpecificCredential",
                "iam:AddUserToGroup",
                "iam:AttachUserPolicy",
                "iam:PutUserPolicy",
            ],
            Resource: "*",
        },
    ];
}
