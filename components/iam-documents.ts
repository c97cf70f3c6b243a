// IAM trust and permission documents as plain data, so tests can parse and check every statement.

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export interface AwsContext {
    partition: string;
    region: string;
    accountId: string;
}

export function serviceTrust(service: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: service },
                // EKS and EC2 tag the sessions they start; TagSession lets them.
                Action: service === "eks.amazonaws.com" ? ["sts:AssumeRole", "sts:TagSession"] : "sts:AssumeRole",
            },
        ],
    };
}

/**
 * Trust for an EKS Pod Identity role: only the pod identity service, only in this account, and only for one
 * cluster, namespace and service account. Every condition is one AWS documents for this principal; a condition
 * that never matches fails silently (the pod simply gets no credentials), so nothing undocumented goes here.
 * - aws:SourceAccount: the confused-deputy guard for service principals (IAM User Guide, "The confused deputy problem").
 * - aws:RequestTag/eks-cluster-name, kubernetes-namespace, kubernetes-service-account: the session tags EKS Pod
 *   Identity sets on every AssumeRole (EKS User Guide, "Grant Pods access to AWS resources based on tags").
 */
export function podIdentityTrust(ctx: AwsContext, clusterName: string, namespace: string, serviceAccount: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Condition: {
                    StringEquals: {
                        "aws:SourceAccount": ctx.accountId,
                        "aws:RequestTag/eks-cluster-name": clusterName,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": serviceAccount,
                    },
                },
            },
        ],
    };
}

function ec2Arn(ctx: AwsContext, resourceType: string): string {
    return `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:${resourceType}/*`;
}

/** What the VPC CNI (aws-node) needs to manage pod ENIs and IPs in this account and region. */
export function vpcCniPolicy(ctx: AwsContext): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DescribeNetwork",
                Effect: "Allow",
                Action: [
                    "ec2:DescribeInstances",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeTags",
                ],
                // EC2 Describe* calls have no resource-level permissions.
                Resource: "*",
            },
            {
                Sid: "ManagePodNetworkInterfaces",
                Effect: "Allow",
                Action: [
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:AttachNetworkInterface",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DetachNetworkInterface",
                    "ec2:ModifyNetworkInterfaceAttribute",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                Resource: [
                    ec2Arn(ctx, "network-interface"),
                    ec2Arn(ctx, "instance"),
                    ec2Arn(ctx, "subnet"),
                    ec2Arn(ctx, "security-group"),
                ],
            },
            {
                Sid: "TagPodNetworkInterfaces",
                Effect: "Allow",
                Action: "ec2:CreateTags",
                Resource: ec2Arn(ctx, "network-interface"),
            },
        ],
    };
}

/**
 * What the EBS CSI controller needs: volumes and snapshots it created (tagged ebs.csi.aws.com/cluster=true)
 * in this account and region, and the grants that let EC2 use the customer-managed key for them.
 */
/** A bucket policy refusing every request that does not use TLS, whoever sends it. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: { AWS: "*" },
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    };
}

/** The tag the EBS CSI driver puts on every volume and snapshot it creates when `k8sTagClusterId` is the cluster's name. */
export const ebsCsiClusterTag = (clusterName: string) => ({ key: `kubernetes.io/cluster/${clusterName}`, value: "owned" });

/**
 * The EBS CSI controller's permissions: volumes and snapshots of its own cluster only. The driver marks every volume
 * `ebs.csi.aws.com/cluster=true` whatever the cluster, so that tag alone would let one environment's controller
 * detach or delete another's; the cluster tag (addons.ts sets k8sTagClusterId) keeps each to its own, retained
 * volumes included.
 */
export function ebsCsiPolicy(ctx: AwsContext, clusterName: string, volumeKeyArn: string): PolicyDocument {
    const volumes = ec2Arn(ctx, "volume");
    const snapshots = `arn:${ctx.partition}:ec2:${ctx.region}::snapshot/*`;
    const clusterTag = ebsCsiClusterTag(clusterName);
    const createdByDriver = { "aws:RequestTag/ebs.csi.aws.com/cluster": "true", [`aws:RequestTag/${clusterTag.key}`]: clusterTag.value };
    const ownedByDriver = { "aws:ResourceTag/ebs.csi.aws.com/cluster": "true", [`aws:ResourceTag/${clusterTag.key}`]: clusterTag.value };
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "Describe",
                Effect: "Allow",
                Action: [
                    "ec2:DescribeAvailabilityZones",
                    "ec2:DescribeInstances",
                    "ec2:DescribeSnapshots",
                    "ec2:DescribeTags",
                    "ec2:DescribeVolumes",
                    "ec2:DescribeVolumesModifications",
                ],
                // EC2 Describe* calls have no resource-level permissions.
                Resource: "*",
            },
            { Sid: "CreateTaggedVolumes", Effect: "Allow", Action: "ec2:CreateVolume", Resource: volumes, Condition: { StringEquals: createdByDriver } },
            { Sid: "CreateTaggedSnapshots", Effect: "Allow", Action: "ec2:CreateSnapshot", Resource: snapshots, Condition: { StringEquals: createdByDriver } },
            {
                // The source of a snapshot or of a restored volume is authorized too: only this cluster's.
                Sid: "CopyOwnVolumesAndSnapshots",
                Effect: "Allow",
                Action: ["ec2:CreateSnapshot", "ec2:CreateVolume"],
                Resource: [volumes, snapshots],
                Condition: { StringEquals: ownedByDriver },
            },
            {
                Sid: "TagOnCreate",
                Effect: "Allow",
                Action: "ec2:CreateTags",
                Resource: [volumes, snapshots],
                Condition: { StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot"] } },
            },
            {
                Sid: "ManageOwnVolumes",
                Effect: "Allow",
                Action: ["ec2:AttachVolume", "ec2:DetachVolume", "ec2:ModifyVolume", "ec2:DeleteVolume", "ec2:CreateTags", "ec2:DeleteTags"],
                Resource: volumes,
                Condition: { StringEquals: ownedByDriver },
            },
            {
                Sid: "AttachToNodes",
                Effect: "Allow",
                Action: ["ec2:AttachVolume", "ec2:DetachVolume"],
                Resource: ec2Arn(ctx, "instance"),
            },
            {
                Sid: "DeleteOwnSnapshots",
                Effect: "Allow",
                Action: "ec2:DeleteSnapshot",
                Resource: snapshots,
                Condition: { StringEquals: ownedByDriver },
            },
            {
                Sid: "UseVolumeKey",
                Effect: "Allow",
                Action: [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                Resource: volumeKeyArn,
            },
            {
                Sid: "GrantVolumeKeyToEc2",
                Effect: "Allow",
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                Resource: volumeKeyArn,
                Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
            },
        ],
    };
}

/** AWS-managed policies this program attaches, by role. Anything else attached is a test failure. */
export const managedPolicies = {
    cluster: ["AmazonEKSClusterPolicy"],
    node: ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"],
} as const;

export function managedPolicyArn(partition: string, name: string): string {
    return `arn:${partition}:iam::aws:policy/${name}`;
}
