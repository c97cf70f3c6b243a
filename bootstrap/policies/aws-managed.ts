// The actions of the AWS-managed policies the program attaches to its roles (components/cluster), as the AWS Managed
// Policy Reference lists them (docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html; versions as
// checked: AmazonEKSClusterPolicy v10, AmazonEKSWorkerNodePolicy v5, AmazonEC2ContainerRegistryPullOnly v1). The
// program boundary grants them (IAM aside: see program-boundary.ts); when AWS adds an action, add it here.

export const awsManagedPolicyActions: Record<string, string[]> = {
    AmazonEKSClusterPolicy: [
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:UpdateAutoScalingGroup",
        ...[
            "AttachVolume", "AuthorizeSecurityGroupIngress", "CreateRoute", "CreateSecurityGroup", "CreateTags", "CreateVolume",
            "DeleteRoute", "DeleteSecurityGroup", "DeleteVolume", "DescribeInstances", "DescribeRouteTables", "DescribeSecurityGroups",
            "DescribeSubnets", "DescribeVolumes", "DescribeVolumesModifications", "DescribeVpcs", "DescribeDhcpOptions",
            "DescribeNetworkInterfaces", "DescribeAvailabilityZones", "DetachVolume", "ModifyInstanceAttribute", "ModifyVolume",
            "RevokeSecurityGroupIngress", "DescribeAccountAttributes", "DescribeAddresses", "DescribeInternetGateways",
            "DescribeInstanceTopology",
        ].map((action) => `ec2:${action}`),
        ...[
            "AddTags", "ApplySecurityGroupsToLoadBalancer", "AttachLoadBalancerToSubnets", "ConfigureHealthCheck", "CreateListener",
            "CreateLoadBalancer", "CreateLoadBalancerListeners", "CreateLoadBalancerPolicy", "CreateTargetGroup", "DeleteListener",
            "DeleteLoadBalancer", "DeleteLoadBalancerListeners", "DeleteTargetGroup", "DeregisterInstancesFromLoadBalancer",
            "DeregisterTargets", "DescribeListeners", "DescribeLoadBalancerAttributes", "DescribeLoadBalancerPolicies",
            "DescribeLoadBalancers", "DescribeTargetGroupAttributes", "DescribeTargetGroups", "DescribeTargetHealth",
            "DetachLoadBalancerFromSubnets", "ModifyListener", "ModifyLoadBalancerAttributes", "ModifyTargetGroup",
            "ModifyTargetGroupAttributes", "RegisterInstancesWithLoadBalancer", "RegisterTargets",
            "SetLoadBalancerPoliciesForBackendServer", "SetLoadBalancerPoliciesOfListener",
        ].map((action) => `elasticloadbalancing:${action}`),
        "kms:DescribeKey",
        // Creates the ELB service-linked role the first time; the boundary leaves this out (no IAM for program roles),
        // so that role must exist first (bootstrap/README.md).
        "iam:CreateServiceLinkedRole",
    ],
    AmazonEKSWorkerNodePolicy: [
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVolumes",
        "ec2:DescribeVolumesModifications",
        "ec2:DescribeVpcs",
        "eks:DescribeCluster",
        "eks-auth:AssumeRoleForPodIdentity",
    ],
    AmazonEC2ContainerRegistryPullOnly: ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchImportUpstreamImage"],
};
