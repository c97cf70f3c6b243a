import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, managedPolicies } from "../iam-documents";
import { IamPlacement } from "../pod-identity";
import { createServiceRole } from "./service-role";

export interface ControlPlaneArgs {
    /** Partition, region and account the cluster lives in, resolved from the caller's credentials. */
    aws: AwsContext;
    /** The permissions boundary of every role the cluster creates (config: iamPermissionsBoundaryArn). */
    iam: IamPlacement;
    /** The EKS cluster name, eks-app-<stack> (stacks/naming.ts); IAM trusts and the log group name use it. */
    clusterName: string;
    /** Kubernetes minor version, e.g. "1.34" (config: kubernetesVersion); nodes and addons follow it. */
    kubernetesVersion: string;
    vpcId: pulumi.Input<string>;
    /** Nodes and the control plane's network interfaces go here. */
    privateSubnetIds: pulumi.Input<string[]>;
    /** Internet-facing load balancers go here. */
    publicSubnetIds: pulumi.Input<string[]>;
    /** Whether the API is reachable from outside the VPC (config: clusterEndpointPublicAccess); private access is always on. */
    endpointPublicAccess: boolean;
    /** CIDRs admitted to the public endpoint (config: clusterEndpointPublicAccessCidrs; at most 40); ignored when it is off. */
    endpointPublicAccessCidrs: string[];
    /** Days the api, audit and authenticator logs are kept (config: controlPlaneLogRetentionDays). */
    logRetentionDays: number;
    /** EKS deletion protection (config: deletionProtection; on in production). */
    deletionProtection: boolean;
    /**
     * Production: the KMS keys are protected and survive a destroy, so retained volumes stay readable.
     * Staging: they are scheduled for deletion with the stack, after `keyDeletionWindowDays`.
     */
    keepKeys: boolean;
    /** Days a deleted key can still be recovered (7 to 30). */
    keyDeletionWindowDays: number;
    /**
     * The control-plane log group exists already (an earlier destroy kept it): adopt it instead of failing with
     * ResourceAlreadyExistsException.
     */
    adoptExistingLogGroup: boolean;
}

const controlPlaneLogTypes = ["api", "audit", "authenticator"];

/**
 * pulumi-eks always asks EKS to grant the cluster creator admin rights. Access here is explicit instead
 * (an access entry per principal), so this turns the implicit grant off on the inner aws.eks.Cluster.
 */
export const withoutImplicitCreatorAdmin: pulumi.ResourceTransform = (args) => {
    if (args.type !== "aws:eks/cluster:Cluster") return undefined;
    const accessConfig = { ...(args.props.accessConfig ?? {}), bootstrapClusterCreatorAdminPermissions: false };
    return { props: { ...args.props, accessConfig }, opts: args.opts };
};

export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

/** The control plane: its KMS keys, log group and role, and the EKS cluster with no default nodes or addons. */
export function createControlPlane(parent: pulumi.Resource, name: string, args: ControlPlaneArgs) {
    const keyOptions = { parent, protect: args.keepKeys, retainOnDelete: args.keepKeys };
    const key = (purpose: string, description: string) =>
        new aws.kms.Key(`${name}-${purpose}`, { description, enableKeyRotation: true, deletionWindowInDays: args.keyDeletionWindowDays }, keyOptions);
    const secretsKey = key("secrets", `Envelope encryption of Kubernetes secrets in ${args.clusterName}`);
    const volumeKey = key("volumes", `Encryption of persistent volumes in ${args.clusterName}`);

    // EKS writes to this group by name; creating (or adopting) it first lets us own its retention. It is kept on
    // destroy: deleted, EKS's late logs would recreate it without retention, and an import fails on any input that
    // differs from the group ("inputs to import do not match the existing resource"). Kept, it still has this
    // retention and these tags, so the next up's import (a no-op once the group is in state) matches it.
    const logGroupName = controlPlaneLogGroupName(args.clusterName);
    const logs = new aws.cloudwatch.LogGroup(
        `${name}-control-plane`,
        { name: logGroupName, retentionInDays: args.logRetentionDays },
        { parent, retainOnDelete: true, ...(args.adoptExistingLogGroup ? { import: logGroupName } : {}) },
    );

    const { role, attachments } = createServiceRole(parent, `${name}-cluster`, {
        service: "eks.amazonaws.com",
        managedPolicies: managedPolicies.cluster,
        description: `EKS control plane of ${args.clusterName}`,
        partition: args.aws.partition,
        iam: args.iam,
    });

    const cluster = new eks.Cluster(
        name,
        {
            name: args.clusterName,
            version: args.kubernetesVersion,
            vpcId: args.vpcId,
            privateSubnetIds: args.privateSubnetIds,
            publicSubnetIds: args.publicSubnetIds,
            serviceRole: role,
            authenticationMode: eks.AuthenticationMode.Api,
            endpointPrivateAccess: true,
            endpointPublicAccess: args.endpointPublicAccess,
            publicAccessCidrs: args.endpointPublicAccess ? args.endpointPublicAccessCidrs : undefined,
            enabledClusterLogTypes: controlPlaneLogTypes,
            encryptionConfigKeyArn: secretsKey.arn,
            deletionProtection: args.deletionProtection,
            upgradePolicy: { supportType: "STANDARD" },
            // Everything below is created by this program instead, where tests can see it.
            skipDefaultNodeGroup: true,
            skipDefaultSecurityGroups: true,
            createOidcProvider: false,
            useDefaultVpcCni: true,
            bootstrapSelfManagedAddons: false,
            kubeProxyAddonOptions: { enabled: false },
            corednsAddonOptions: { enabled: false },
        },
        { parent, dependsOn: [logs, ...attachments], transforms: [withoutImplicitCreatorAdmin] },
    );

    return {
        cluster,
        name: cluster.eksCluster.apply((c) => c.name),
        endpoint: cluster.eksCluster.apply((c) => c.endpoint),
        certificateAuthority: cluster.eksCluster.apply((c) => c.certificateAuthority.data),
        /** The security group EKS creates for the control plane and managed nodes. */
        securityGroupId: cluster.eksCluster.apply((c) => c.vpcConfig.clusterSecurityGroupId),
        volumeKey,
    };
}
