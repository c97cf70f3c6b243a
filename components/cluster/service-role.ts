import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { managedPolicyArn, serviceTrust } from "../iam-documents";
import { IamPlacement } from "../pod-identity";

export interface ServiceRoleArgs {
    /** The AWS service principal that assumes the role, e.g. eks.amazonaws.com. */
    service: string;
    /** AWS-managed policies attached by name (iam-documents.ts `managedPolicies` lists what is allowed). */
    managedPolicies: readonly string[];
    description: string;
    partition: string;
    iam: IamPlacement;
}

/** A role an AWS service assumes, with the AWS-managed policies it needs attached. */
export function createServiceRole(parent: pulumi.Resource, name: string, args: ServiceRoleArgs) {
    const role = new aws.iam.Role(
        name,
        {
            path: args.iam.path,
            permissionsBoundary: args.iam.permissionsBoundaryArn,
            assumeRolePolicy: JSON.stringify(serviceTrust(args.service)),
            description: args.description,
        },
        { parent },
    );
    const attachments = args.managedPolicies.map(
        (policy) =>
            new aws.iam.RolePolicyAttachment(`${name}-${policy}`, { role: role.name, policyArn: managedPolicyArn(args.partition, policy) }, { parent }),
    );
    return { role, attachments };
}
