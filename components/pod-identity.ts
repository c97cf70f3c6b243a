import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, PolicyDocument, podIdentityTrust } from "./iam-documents";

/** Where the program's IAM roles live: the stack's path, and the boundary the CI deploy role requires on each. */
export interface IamPlacement {
    /** The stack's IAM path (stacks/naming.ts `programIamPath`): the only one its deploy role may create roles in or pass roles from. */
    path: string;
    /** The permissions boundary set on every role (bootstrap's boundary when CI deploys); unset for none. */
    permissionsBoundaryArn?: string;
}

export interface PodIdentityRoleArgs {
    aws: AwsContext;
    iam: IamPlacement;
    /** The cluster's name as configured (eks-app-<stack>); the trust is scoped to it. */
    clusterName: string;
    namespace: string;
    serviceAccount: string;
    /** The role's only permissions: one inline policy, so nothing else can widen it. */
    policy: pulumi.Input<PolicyDocument>;
}

/** An IAM role one Kubernetes service account assumes through EKS Pod Identity, and its inline policy. */
export function createPodIdentityRole(parent: pulumi.Resource, name: string, args: PodIdentityRoleArgs) {
    const role = new aws.iam.Role(
        name,
        {
            path: args.iam.path,
            permissionsBoundary: args.iam.permissionsBoundaryArn,
            assumeRolePolicy: JSON.stringify(podIdentityTrust(args.aws, args.clusterName, args.namespace, args.serviceAccount)),
            description: `${args.namespace}/${args.serviceAccount} in ${args.clusterName} (EKS Pod Identity)`,
        },
        { parent },
    );
    const rolePolicy = new aws.iam.RolePolicy(name, { role: role.name, policy: pulumi.jsonStringify(args.policy) }, { parent });
    return { role, rolePolicy };
}

export interface PodIdentityArgs extends PodIdentityRoleArgs {
    /** The cluster (an output of it), so the association waits for the cluster to exist. */
    cluster: pulumi.Input<string>;
}

/**
 * A role for a workload installed by Helm or kubectl, associated with its service account. EKS addons take
 * their roles through their own `podIdentityAssociations` instead (see cluster/addons.ts).
 */
export class PodIdentity extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    /** The role, its policy and the association: what a workload using it must wait for, and outlive on destroy. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: PodIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:platform:PodIdentity", name, {}, opts);
        const { role, rolePolicy } = createPodIdentityRole(this, name, args);
        this.role = role;
        const association = new aws.eks.PodIdentityAssociation(
            name,
            { clusterName: args.cluster, namespace: args.namespace, serviceAccount: args.serviceAccount, roleArn: role.arn },
            // The role's permissions exist before any pod can assume it.
            { parent: this, dependsOn: [rolePolicy] },
        );
        this.ready = [role, rolePolicy, association];
        this.registerOutputs({ roleArn: role.arn });
    }
}
