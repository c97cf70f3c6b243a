import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, ebsCsiPolicy, PolicyDocument, vpcCniPolicy } from "../iam-documents";
import { createPodIdentityRole, IamPlacement } from "../pod-identity";

import { EksAddonName } from "./addon-names";

/** One addon: what it is, who it runs as, how it is configured and what it waits for. */
export interface AddonSpec {
    name: EksAddonName;
    /** Logical name of its Pod Identity role (kept from earlier versions so the role is not replaced). */
    identity?: { logicalName: string; serviceAccount: string; policy: pulumi.Input<PolicyDocument> };
    /** The addon's configuration values (its JSON schema: `aws eks describe-addon-configuration`). */
    configuration?: Record<string, unknown>;
    /**
     * "control-plane": DaemonSets nodes need to become Ready (CNI, kube-proxy, Pod Identity agent), so they come
     * first and the node group waits for them. "nodes": Deployments, which only settle once a node exists.
     */
    phase: "control-plane" | "nodes";
    /** Other addons that must be active first. */
    after?: EksAddonName[];
}

/** The addon table. Adding an addon is one row here. */
export function addonTable(ctx: AwsContext, clusterName: string, volumeTags: Record<string, string>, volumeKeyArn: pulumi.Output<string>): AddonSpec[] {
    return [
        { name: "eks-pod-identity-agent", phase: "control-plane" },
        {
            name: "vpc-cni",
            phase: "control-plane",
            // Its role reaches aws-node through the Pod Identity agent; the node role has no CNI policy by design.
            after: ["eks-pod-identity-agent"],
            identity: { logicalName: "vpc-cni", serviceAccount: "aws-node", policy: vpcCniPolicy(ctx) },
            // The VPC CNI enforces NetworkPolicies only when asked to; the workload relies on them.
            configuration: { enableNetworkPolicy: "true" },
        },
        { name: "kube-proxy", phase: "control-plane" },
        { name: "coredns", phase: "nodes" },
        {
            name: "aws-ebs-csi-driver",
            phase: "nodes",
            after: ["eks-pod-identity-agent"],
            identity: { logicalName: "ebs-csi", serviceAccount: "ebs-csi-controller-sa", policy: volumeKeyArn.apply((arn) => ebsCsiPolicy(ctx, clusterName, arn)) },
            // Every volume it creates carries kubernetes.io/cluster/<name>=owned, which its role's writes require (one
            // environment's driver cannot touch another's volumes), and the environment's tags, which the other
            // environment's boundary denies every write to.
            configuration: { controller: { k8sTagClusterId: clusterName, extraVolumeTags: volumeTags } },
        },
        // Serves the metrics API (metrics.k8s.io), without which the HorizontalPodAutoscaler cannot read CPU.
        { name: "metrics-server", phase: "nodes" },
    ];
}

export interface AddonContext {
    aws: AwsContext;
    iam: IamPlacement;
    clusterName: string;
    /** The cluster's name as an output, so addons wait for the cluster. */
    cluster: pulumi.Input<string>;
    kubernetesVersion: string;
    /** Pinned versions from config; an addon not listed gets EKS's default for the Kubernetes version. */
    versions: Partial<Record<EksAddonName, string>>;
}

export type InstalledAddons = Map<EksAddonName, { addon: aws.eks.Addon; identity: pulumi.Resource[] }>;

/** Installs the rows of one phase, in table order, each after the addons and resources it waits for. */
export function installAddons(
    parent: pulumi.Resource,
    name: string,
    ctx: AddonContext,
    rows: AddonSpec[],
    waitFor: pulumi.Resource[],
    installed: InstalledAddons = new Map(),
): InstalledAddons {
    for (const row of rows) {
        const identity = row.identity
            ? createPodIdentityRole(parent, `${name}-${row.identity.logicalName}`, {
                  aws: ctx.aws,
                  iam: ctx.iam,
                  clusterName: ctx.clusterName,
                  namespace: "kube-system",
                  serviceAccount: row.identity.serviceAccount,
                  policy: row.identity.policy,
              })
            : undefined;
        // A pinned version wins; otherwise EKS's default for this Kubernetes version, which stays put until the
        // Kubernetes version changes (unlike "most recent").
        const addonVersion =
            ctx.versions[row.name] ??
            aws.eks.getAddonVersionOutput({ addonName: row.name, kubernetesVersion: ctx.kubernetesVersion, mostRecent: false }, { parent }).version;
        const predecessors = (row.after ?? []).map((other) => {
            const found = installed.get(other);
            if (!found) throw new Error(`addon ${row.name} waits for ${other}, which the table installs later or not at all`);
            return found.addon;
        });
        const identityResources = identity ? [identity.role, identity.rolePolicy] : [];
        const addon = new aws.eks.Addon(
            `${name}-${row.name}`,
            {
                clusterName: ctx.cluster,
                addonName: row.name,
                addonVersion,
                resolveConflictsOnCreate: "OVERWRITE",
                resolveConflictsOnUpdate: "OVERWRITE",
                ...(identity ? { podIdentityAssociations: [{ roleArn: identity.role.arn, serviceAccount: row.identity!.serviceAccount }] } : {}),
                ...(row.configuration ? { configurationValues: JSON.stringify(row.configuration) } : {}),
            },
            // Its role's policy exists before it starts and outlives it on destroy, so the driver can clean up.
            { parent, dependsOn: [...waitFor, ...predecessors, ...identityResources] },
        );
        installed.set(row.name, { addon, identity: identityResources });
    }
    return installed;
}
