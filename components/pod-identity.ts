import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, PolicyDocument, podIdentityTrust } from "./iam-documents";
import { programIamPath } from "../stacks/naming";

/** Where the program's IAM roles live, and the boundary the CI deploy role requires on each. */
export interface IamPlacement {
    /** The permissions boundary set on every role (bootstrap's boundary when CI deploys); unset for none. */
    permissionsBoundaryArn?: string;
}

export interface PodIdentityArgs {
    aws: AwsContext;
    iam: IamPlacement;
    /** The cluster's name as configured (eks-app-<stack>); the trust is scoped to it. */
    clusterName: string;
    namespace: string;
    serviceAccount: string;
    /** The role's only permissions: one inline policy, so nothing else can widen it. */
    policy: pulumi.Input<PolicyDocument>;
    /**
     * Create the Pod Identity association here, for workloads installed by Helm or kubectl. EKS addons take the
     * role through their own `podIdentityAssociations` instead, so leave this off for them.
     */
    associate: boolean;
    /** What waits for the association (its cluster), when `associate` is on. */
    clusterNameOutput?: pulumi.Input<string>;
}

/** One IAM role for one Kubernetes service account through EKS Pod Identity, with its inline policy. */
export class PodIdentity extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
    /** The role and its policy, and the association when created: what a workload using it must wait for. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: PodIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:platform:PodIdentity", name, {}, opts);
        this.role = new aws.iam.Role(
            name,
            {
                path: programIamPath,
                permissionsBoundary: args.iam.permissionsBoundaryArn,
                assumeRolePolicy: JSON.stringify(podIdentityTrust(args.aws, args.clusterName, args.namespace, args.serviceAccount)),
                description: `${args.namespace}/${args.serviceAccount} in ${args.clusterName} (EKS Pod Identity)`,
            },
            { parent: this },
        );
        this.rolePolicy = new aws.iam.RolePolicy(name, { role: this.role.name, policy: pulumi.jsonStringify(args.policy) }, { parent: this });
        this.ready = [this.role, this.rolePolicy];
        if (args.associate) {
            this.ready.push(
                new aws.eks.PodIdentityAssociation(
                    name,
                    {
                        clusterName: args.clusterNameOutput ?? args.clusterName,
                        namespace: args.namespace,
                        serviceAccount: args.serviceAccount,
                        roleArn: this.role.arn,
                    },
                    // The role's permissions exist before any pod can assume it.
                    { parent: this, dependsOn: [this.rolePolicy] },
                ),
            );
        }
        this.registerOutputs({ roleArn: this.role.arn });
    }
}
