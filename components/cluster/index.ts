import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildKubeconfig } from "../kubeconfig";
import { AccessArgs, grantAccess } from "./access";
import { EksAddonName } from "./addon-names";
import { addonTable, installAddons } from "./addons";
import { ControlPlaneArgs, createControlPlane } from "./control-plane";
import { createManagedNodes, NodeGroupSettings } from "./nodes";
import { createStorage } from "./storage";

export { accessEntries } from "./access";
export { eksAddonNames } from "./addon-names";
export type { EksAddonName } from "./addon-names";
export { controlPlaneLogGroupName, withoutImplicitCreatorAdmin } from "./control-plane";
export type { NodeGroupSettings } from "./nodes";
export { defaultStorageClassName, retainedStorageClassName } from "./storage";

/** The control plane's settings (documented in control-plane.ts), and who may use it, its nodes and addons. */
export interface ClusterArgs extends ControlPlaneArgs {
    /** Who may use the Kubernetes API (config: clusterDeployerPrincipalArn, clusterAdminPrincipalArns, clusterViewerPrincipalArns). */
    access: AccessArgs;
    /** The managed node group (config: node*). */
    nodes: NodeGroupSettings;
    /** Pinned addon versions (config: addonVersions); unlisted addons get EKS's default for the Kubernetes version. */
    addonVersions: Partial<Record<EksAddonName, string>>;
    /**
     * The default tags that scope the delivery roles and boundaries (project, environment), for what EKS and its
     * addons create outside the AWS provider: EKS does not copy the cluster's tags to the security group it creates
     * (the deploy role may launch nodes only with its own environment's subnets and security groups), and the EBS
     * CSI driver tags its volumes with them (another environment's boundary denies every write to them).
     */
    resourceTags: Record<string, string>;
}

/**
 * A hardened EKS cluster: the control plane (KMS secrets encryption, audit logs, explicit access), one managed
 * node group, the addon table and encrypted gp3 storage. Each concern is its own module beside this file; all
 * of them parent their resources here, so the resources' URNs are the same as when this was one file.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    /** Resources the workload must wait for, and outlive on destroy: storage, DNS, metrics and the nodes. */
    readonly workloadDependencies: pulumi.Resource[];
    /** The security group EKS gives the control plane and managed nodes. */
    readonly securityGroupId: pulumi.Output<string>;
    readonly volumeKeyArn: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:platform:Cluster", name, {}, opts);
        const controlPlane = createControlPlane(this, name, args);
        this.name = controlPlane.name;
        this.securityGroupId = controlPlane.securityGroupId;
        this.volumeKeyArn = controlPlane.volumeKey.arn;

        const accessGrants = grantAccess(this, name, controlPlane.name, args.aws.partition, args.access);

        const addonContext = {
            aws: args.aws,
            iam: args.iam,
            clusterName: args.clusterName,
            cluster: controlPlane.name,
            kubernetesVersion: args.kubernetesVersion,
            versions: args.addonVersions,
        };
        const table = addonTable(args.aws, args.clusterName, args.resourceTags, controlPlane.volumeKey.arn);
        const beforeNodes = installAddons(this, name, addonContext, table.filter((row) => row.phase === "control-plane"), []);
        const securityGroupTags = Object.entries(args.resourceTags).map(
            ([key, value]) => new aws.ec2.Tag(`${name}-security-group-${key}`, { resourceId: controlPlane.securityGroupId, key, value }, { parent: this }),
        );
        const { nodeGroup } = createManagedNodes(this, name, {
            partition: args.aws.partition,
            iam: args.iam,
            clusterName: args.clusterName,
            cluster: controlPlane.name,
            kubernetesVersion: args.kubernetesVersion,
            privateSubnetIds: args.privateSubnetIds,
            nodes: args.nodes,
            dependsOn: [...[...beforeNodes.values()].map(({ addon }) => addon), ...securityGroupTags],
        });
        const addons = installAddons(this, name, addonContext, table.filter((row) => row.phase === "nodes"), [nodeGroup], beforeNodes);

        this.kubeconfig = pulumi.secret(
            pulumi
                .all([controlPlane.name, controlPlane.endpoint, controlPlane.certificateAuthority])
                .apply(([clusterName, endpoint, ca]) => buildKubeconfig({ clusterName, endpoint, certificateAuthorityData: ca, region: args.aws.region })),
        );
        // Built from the cluster's stable outputs only, and depending on the access grants, so nothing talks to the
        // API before access exists and a credentials change does not replace every workload. No deleteUnreachable:
        // dropping objects from state when the API is unreachable would orphan the load balancer and its VPC.
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn: accessGrants });

        const ebsCsi = addons.get("aws-ebs-csi-driver")!;
        const storage = createStorage(this, name, { provider: this.provider, volumeKeyArn: controlPlane.volumeKey.arn, driver: [ebsCsi.addon, ...ebsCsi.identity] });
        const addonOf = (addonName: EksAddonName) => addons.get(addonName)!.addon;
        this.workloadDependencies = [storage.gp3, storage.retained, addonOf("coredns"), addonOf("metrics-server"), ebsCsi.addon, nodeGroup];
        this.registerOutputs({ name: this.name, kubeconfig: this.kubeconfig });
    }
}
