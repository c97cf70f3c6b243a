// EC2's Spot service-linked role (AWSServiceRoleForEC2Spot). Karpenter launches spot capacity with CreateFleet, and
// without this role in the account every spot launch fails with AuthFailure.ServiceLinkedRoleCreationNotPermitted
// (Karpenter's troubleshooting guide): the program's roles may not create service-linked roles (their boundary has no
// IAM), so bootstrap provides it, once per account.
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export const spotServiceName = "spot.amazonaws.com";
export const spotRoleName = "AWSServiceRoleForEC2Spot";
export const spotRoleArn = (partition: string, accountId: string) => `arn:${partition}:iam::${accountId}:role/aws-service-role/${spotServiceName}/${spotRoleName}`;

/** Whether the account has the role already (an earlier spot request, or another tool, created it). */
export async function spotRoleExists(): Promise<boolean> {
    try {
        await aws.iam.getRole({ name: spotRoleName });
        return true;
    } catch (error) {
        // The provider reports a missing role as NoSuchEntity ("couldn't find resource"); anything else is a real failure.
        if (/NoSuchEntity|couldn't find resource|not found/i.test(String(error))) return false;
        throw error;
    }
}

/**
 * The role, adopted when it exists (Pulumi's import option; a service-linked role has no settings to differ) and
 * never deleted with this stack: other projects' spot requests may rely on it.
 */
export function spotServiceLinkedRole(existingRoleArn: string | undefined): aws.iam.ServiceLinkedRole {
    return new aws.iam.ServiceLinkedRole(
        "ec2-spot",
        { awsServiceName: spotServiceName },
        { retainOnDelete: true, ...(existingRoleArn ? { import: existingRoleArn } : {}) } satisfies pulumi.CustomResourceOptions,
    );
}
