import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    AwsContext,
    ebsCsiPolicy,
    managedPolicies,
    managedPolicyArn,
    podIdentityTrust,
    serviceTrust,
    vpcCniPolicy,
} from "./iam-documents";
import { buildKubeconfig } from "./kubeconfig";
import { programIamPath } from "../stacks/naming";
import { EksAddonName } from "../stacks/settings";

export interface NodeGroupSettings {
    instanceTypes: string[];
    capacityType: "SPOT" | "ON_DEMAND";
    minSize: number;
    desiredSize: number;
    maxSize: number;
    diskSizeGiB: number;
}

export interface ClusterArgs {
    aws: AwsContext;
    clusterName: string;
    kubernetesVersion: string;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    publicSubnetIds: pulumi.Input<string[]>;
    endpointPublicAccess: boolean;
    endpointPublicAccessCidrs: string[];
    logRetentionDays: number;
    deletionProtection: boolean;
    /** The IAM role or user running this deployment, resolved from its session (CI role or person alike). */
    deployerPrincipalArn: string;
    adminPrincipalArns: string[];
    viewerPrincipalArns: string[];
    nodes: NodeGroupSettings;
    addonVersions: Partial<Record<EksAddonName, string>>;
    /** Set on every role this component creates, as the CI deploy role requires. */
    iamPermissionsBoundaryArn?: string;
    /** Short key deletion window outside production, so a torn-down staging leaves nothing billed for long. */
    keyDeletionWindowDays: number;
}

const controlPlaneLogTypes = ["api", "audit", "authenticator"];

function roleLocation(args: ClusterArgs) {
    return { path: programIamPath, permissionsBoundary: args.iamPermissionsBoundaryArn };
}

/**
 * pulumi-eks always asks EKS to grant the cluster creator admin rights. Access here is explicit instead
 * (an access entry per principal), so this turns the implicit grant off on the inner aws.eks.Cluster.
 */
export const withoutImplicitCreatorAdmin: pulumi.ResourceTransform = (args) => {
    if (args.type !== "aws:eks/cluster:Cluster") return undefined;
    const accessConfig = { ...(args.props.accessConfig ?? {}), bootstrapClusterCreatorAdminPermissions: false };
    return { props: { ...args.props, accessConfig }, opts: args.opts };
};

/** A hardened EKS cluster: KMS secrets encryption, audit logs, explicit access, one managed node group, core addons. */
export class Cluster extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** Resources the workload must wait for: storage (EBS CSI, gp3) and DNS (CoreDNS). */
    readonly workloadDependencies: pulumi.Resource[];

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:platform:Cluster", name, {}, opts);
        const parent = this;

        const secretsKey = new aws.kms.Key(
            `${name}-secrets`,
            {
                description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.keyDeletionWindowDays,
            },
            { parent },
        );
        const volumeKey = new aws.kms.Key(
            `${name}-volumes`,
            {
                description: `Encryption of persistent volumes in ${args.clusterName}`,
                enableKeyRotation: true,
                deletionWindowInDays: args.keyDeletionWindowDays,
            },
            { parent },
        );

        // EKS writes to this group by name; creating it first lets us own its retention.
        const controlPlaneLogs = new aws.cloudwatch.LogGroup(
            `${name}-control-plane`,
            { name: `/aws/eks/${args.clusterName}/cluster`, retentionInDays: args.logRetentionDays },
            { parent },
        );

        const { role: clusterRole, attachments: clusterRolePolicies } = this.serviceRole(
            `${name}-cluster`,
            "eks.amazonaws.com",
            managedPolicies.cluster,
            `EKS control plane of ${args.clusterName}`,
            args,
        );

        const cluster = new eks.Cluster(
            name,
            {
                name: args.clusterName,
                version: args.kubernetesVersion,
                vpcId: args.vpcId,
                privateSubnetIds: args.privateSubnetIds,
                publicSubnetIds: args.publicSubnetIds,
                serviceRole: clusterRole,
                authenticationMode: eks.AuthenticationMode.Api,
                endpointPrivateAccess: true,
                endpointPublicAccess: args.endpointPublicAccess,
                publicAccessCidrs: args.endpointPublicAccess ? args.endpointPublicAccessCidrs : undefined,
                enabledClusterLogTypes: controlPlaneLogTypes,
                encryptionConfigKeyArn: secretsKey.arn,
                deletionProtection: args.deletionProtection,
                upgradePolicy: { supportType: "STANDARD" },
                // Everything below is created by this component instead, where tests can see it.
                skipDefaultNodeGroup: true,
                skipDefaultSecurityGroups: true,
                createOidcProvider: false,
                useDefaultVpcCni: true,
                bootstrapSelfManagedAddons: false,
                kubeProxyAddonOptions: { enabled: false },
                corednsAddonOptions: { enabled: false },
            },
            { parent, dependsOn: [controlPlaneLogs, ...clusterRolePolicies], transforms: [withoutImplicitCreatorAdmin] },
        );

        const clusterName = cluster.eksCluster.apply((c) => c.name);
        const endpoint = cluster.eksCluster.apply((c) => c.endpoint);
        const certificateAuthority = cluster.eksCluster.apply((c) => c.certificateAuthority.data);
        this.name = clusterName;

        const accessGrants = this.grantAccess(name, clusterName, args);

        const { role: nodeRole, attachments: nodeRolePolicies } = this.serviceRole(
            `${name}-node`,
            "ec2.amazonaws.com",
            managedPolicies.node,
            `EKS nodes of ${args.clusterName}`,
            args,
        );

        const podIdentityAgent = this.addon(name, clusterName, "eks-pod-identity-agent", args, {});
        const cniRole = this.podIdentityRole(name, "vpc-cni", args, "aws-node", vpcCniPolicy(args.aws));
        const vpcCni = this.addon(
            name,
            clusterName,
            "vpc-cni",
            args,
            {
                podIdentityAssociations: [{ roleArn: cniRole.arn, serviceAccount: "aws-node" }],
                // The VPC CNI enforces NetworkPolicies only when asked to; the workload relies on them.
                configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
            },
            [podIdentityAgent],
        );
        const kubeProxy = this.addon(name, clusterName, "kube-proxy", args, {});

        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-nodes`,
            {
                description: `Nodes of ${args.clusterName}`,
                // IMDSv2 only, and a hop limit of 1 so pods cannot reach the node's credentials.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: { volumeSize: args.nodes.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
                    },
                ],
                updateDefaultVersion: true,
            },
            { parent },
        );

        const nodeGroup = new aws.eks.NodeGroup(
            `${name}-nodes`,
            {
                clusterName,
                nodeRoleArn: nodeRole.arn,
                subnetIds: args.privateSubnetIds,
                amiType: "AL2023_x86_64_STANDARD",
                version: args.kubernetesVersion,
                capacityType: args.nodes.capacityType,
                instanceTypes: args.nodes.instanceTypes,
                scalingConfig: { minSize: args.nodes.minSize, desiredSize: args.nodes.desiredSize, maxSize: args.nodes.maxSize },
                updateConfig: { maxUnavailablePercentage: 33 },
                launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
                nodeRepairConfig: { enabled: true },
            },
            {
                parent,
                // An autoscaler owns the desired size once it runs; re-applying config must not undo its work.
                ignoreChanges: ["scalingConfig.desiredSize"],
                // Nodes only become Ready once the CNI and kube-proxy run, and they need their role's policies.
                dependsOn: [vpcCni, kubeProxy, podIdentityAgent, ...nodeRolePolicies],
            },
        );

        // Both run Deployments: created before any node exists they wait and end DEGRADED.
        const coredns = this.addon(name, clusterName, "coredns", args, {}, [nodeGroup]);
        const ebsCsiRole = this.podIdentityRole(name, "ebs-csi", args, "ebs-csi-controller-sa", volumeKey.arn.apply((arn) => ebsCsiPolicy(args.aws, arn)));
        const ebsCsi = this.addon(
            name,
            clusterName,
            "aws-ebs-csi-driver",
            args,
            { podIdentityAssociations: [{ roleArn: ebsCsiRole.arn, serviceAccount: "ebs-csi-controller-sa" }] },
            [nodeGroup],
        );

        this.kubeconfig = pulumi.secret(
            pulumi.all([clusterName, endpoint, certificateAuthority]).apply(([clusterNameValue, endpointValue, ca]) =>
                buildKubeconfig({ clusterName: clusterNameValue, endpoint: endpointValue, certificateAuthorityData: ca, region: args.aws.region }),
            ),
        );
        // Built from the cluster's stable outputs only, and depending on the access grants, so nothing talks
        // to the API before access exists and a credentials change does not replace every workload.
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: this.kubeconfig, enableServerSideApply: true, deleteUnreachable: true },
            { parent, dependsOn: accessGrants },
        );

        const gp3 = new k8s.storage.v1.StorageClass(
            `${name}-gp3`,
            {
                metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
                provisioner: "ebs.csi.aws.com",
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy: "Delete",
                parameters: { type: "gp3", encrypted: "true", kmsKeyId: volumeKey.arn, "csi.storage.k8s.io/fstype": "ext4" },
            },
            { parent, provider: this.provider, dependsOn: [ebsCsi] },
        );
        // EKS creates gp2 (in-tree, unencrypted by default); two defaults make PVC binding ambiguous.
        const gp2NotDefault = new k8s.storage.v1.StorageClassPatch(
            `${name}-gp2-not-default`,
            {
                metadata: {
                    name: "gp2",
                    annotations: { "storageclass.kubernetes.io/is-default-class": "false", "pulumi.com/patchForce": "true" },
                },
            },
            { parent, provider: this.provider, dependsOn: [nodeGroup] },
        );

        this.workloadDependencies = [gp3, gp2NotDefault, coredns, ebsCsi, nodeGroup];
        this.registerOutputs({ name: this.name, kubeconfig: this.kubeconfig });
    }

    private grantAccess(name: string, clusterName: pulumi.Output<string>, args: ClusterArgs): pulumi.Resource[] {
        const policy = (policyName: string) => `arn:${args.aws.partition}:eks::aws:cluster-access-policy/${policyName}`;
        const admins = [args.deployerPrincipalArn, ...args.adminPrincipalArns.filter((arn) => arn !== args.deployerPrincipalArn)];
        const viewers = args.viewerPrincipalArns.filter((arn) => !admins.includes(arn));
        const grants: pulumi.Resource[] = [];
        const grant = (logicalName: string, principalArn: string, policyArn: string) => {
            const entry = new aws.eks.AccessEntry(logicalName, { clusterName, principalArn, type: "STANDARD" }, { parent: this });
            grants.push(
                new aws.eks.AccessPolicyAssociation(
                    logicalName,
                    { clusterName, principalArn, policyArn, accessScope: { type: "cluster" } },
                    { parent: this, dependsOn: [entry] },
                ),
            );
        };
        grant(`${name}-deployer`, args.deployerPrincipalArn, policy("AmazonEKSClusterAdminPolicy"));
        admins.slice(1).forEach((arn, index) => grant(`${name}-admin-${index}`, arn, policy("AmazonEKSClusterAdminPolicy")));
        viewers.forEach((arn, index) => grant(`${name}-viewer-${index}`, arn, policy("AmazonEKSAdminViewPolicy")));
        return grants;
    }

    /** A role an AWS service assumes, with the AWS-managed policies it needs attached. */
    private serviceRole(
        logicalName: string,
        service: string,
        policies: readonly string[],
        description: string,
        args: ClusterArgs,
    ): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
        const role = new aws.iam.Role(
            logicalName,
            { ...roleLocation(args), assumeRolePolicy: JSON.stringify(serviceTrust(service)), description },
            { parent: this },
        );
        const attachments = policies.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${logicalName}-${policy}`,
                    { role: role.name, policyArn: managedPolicyArn(args.aws.partition, policy) },
                    { parent: this },
                ),
        );
        return { role, attachments };
    }

    private podIdentityRole(
        name: string,
        purpose: string,
        args: ClusterArgs,
        serviceAccount: string,
        policy: pulumi.Input<object>,
    ): aws.iam.Role {
        const role = new aws.iam.Role(
            `${name}-${purpose}`,
            {
                ...roleLocation(args),
                assumeRolePolicy: JSON.stringify(podIdentityTrust(args.aws, args.clusterName, "kube-system", serviceAccount)),
                description: `${purpose} addon of ${args.clusterName} (kube-system/${serviceAccount})`,
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(`${name}-${purpose}`, { role: role.name, policy: pulumi.jsonStringify(policy) }, { parent: this });
        return role;
    }

    private addon(
        name: string,
        clusterName: pulumi.Output<string>,
        addonName: EksAddonName,
        args: ClusterArgs,
        extra: Partial<aws.eks.AddonArgs>,
        dependsOn: pulumi.Resource[] = [],
    ): aws.eks.Addon {
        // A pinned version from config wins; otherwise EKS's default for this Kubernetes version, which stays put
        // until the Kubernetes version changes (unlike "most recent").
        const addonVersion =
            args.addonVersions[addonName] ??
            aws.eks.getAddonVersionOutput({ addonName, kubernetesVersion: args.kubernetesVersion, mostRecent: false }, { parent: this }).version;
        return new aws.eks.Addon(
            `${name}-${addonName}`,
            {
                clusterName,
                addonName,
                addonVersion,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                ...extra,
            },
            { parent: this, dependsOn },
        );
    }
}
