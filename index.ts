import * as aws from "@pulumi/aws";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AppImage } from "./components/app";
import { Autoscaling, placementFor } from "./components/autoscaling";
import { assertCallerHasAccess, clusterPrincipals, logGroupExists, resolveCaller, roleArnInAccount } from "./components/aws-context";
import { Cluster, controlPlaneLogGroupName, defaultStorageClassName, retainedStorageClassName } from "./components/cluster";
import { DnsRecord } from "./components/dns";
import { logBucketExists, logBucketName } from "./components/monitoring";
import { Network } from "./components/network";
import { Registry } from "./components/registry";
import { ReviewAccess } from "./components/review";
import { readSettings, Settings } from "./stacks";
import { deployToLocalCluster } from "./targets/local";
import { deployReview } from "./targets/review";
import { deployWorkload, iamPlacement, monitoringOutputs } from "./targets/workload";

async function deployToAws(settings: Settings & { region: string }) {
    const provider = new aws.Provider("aws", {
        region: settings.region as aws.Region,
        defaultTags: {
            tags: { project: settings.project, stack: settings.stack, environment: settings.environment, "managed-by": "pulumi" },
        },
    });
    const caller = await resolveCaller(provider, settings.region);
    const principals = clusterPrincipals(caller, settings);
    assertCallerHasAccess(caller.principalArn, principals);
    const production = settings.environment === "production";
    const awsOptions = { providers: { aws: provider } };

    const network = new Network(
        "network",
        {
            cidrBlock: settings.vpcCidr,
            availabilityZoneCount: settings.availabilityZoneCount,
            natGateways: settings.natGateways,
            karpenterDiscoveryName: settings.clusterName,
        },
        awsOptions,
    );
    const registry = new Registry("app", { repositoryName: settings.clusterName }, awsOptions);
    const cluster = new Cluster(
        "cluster",
        {
            aws: caller.aws,
            iam: iamPlacement(settings),
            clusterName: settings.clusterName,
            kubernetesVersion: settings.kubernetesVersion,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            publicSubnetIds: network.publicSubnetIds,
            endpointPublicAccess: settings.clusterEndpointPublicAccess,
            endpointPublicAccessCidrs: settings.clusterEndpointPublicAccessCidrs,
            logRetentionDays: settings.controlPlaneLogRetentionDays,
            deletionProtection: settings.deletionProtection,
            keepKeys: production,
            keyDeletionWindowDays: production ? 30 : 7,
            adoptExistingLogGroup: await logGroupExists(provider, controlPlaneLogGroupName(settings.clusterName)),
            access: {
                deployerPrincipalArn: principals.deployer,
                adminPrincipalArns: principals.admins,
                viewerPrincipalArns: principals.viewers,
            },
            nodes: {
                instanceTypes: settings.nodeInstanceTypes,
                capacityType: settings.nodeCapacityType,
                minSize: settings.nodeMinSize,
                desiredSize: settings.nodeDesiredSize,
                maxSize: settings.nodeMaxSize,
                diskSizeGiB: settings.nodeDiskSizeGiB,
            },
            addonVersions: settings.addonVersions,
            resourceTags: { project: settings.project, environment: settings.environment },
        },
        awsOptions,
    );
    const autoscalingEnvironment = production ? "production" : "staging";
    const autoscaling = new Autoscaling(
        "autoscaling",
        {
            aws: caller.aws,
            iam: iamPlacement(settings),
            environment: autoscalingEnvironment,
            clusterName: settings.clusterName,
            cluster: cluster.name,
            clusterSecurityGroupId: cluster.securityGroupId,
            volumeKeyArn: cluster.volumeKeyArn,
            amiAlias: `al2023@${settings.karpenterAmiVersion}`,
            diskSizeGiB: settings.nodeDiskSizeGiB,
            limits: { cpu: settings.nodePoolCpuLimit, memoryGiB: settings.nodePoolMemoryLimitGiB },
            tags: { project: settings.project, stack: settings.stack, environment: settings.environment, "managed-by": "karpenter" },
            dependsOn: cluster.workloadDependencies,
        },
        { providers: { aws: provider, kubernetes: cluster.provider } },
    );

    const image =
        settings.image ??
        new AppImage(
            "app",
            {
                repositoryUrl: registry.repositoryUrl,
                repositoryName: registry.repositoryName,
                imageTag: settings.imageTag,
                buildContext: path.join(__dirname, "app"),
            },
            awsOptions,
        ).ref;

    const { app, monitoring } = deployWorkload(settings, {
        provider: cluster.provider,
        image,
        // The NodePools too: on destroy the workload leaves before Karpenter's nodes are drained and terminated.
        dependsOn: [...cluster.workloadDependencies, ...autoscaling.nodePools],
        storageClassName: defaultStorageClassName,
        retainedStorageClassName,
        podSecurityVersion: `v${settings.kubernetesVersion}`,
        loadBalancer: { kind: "aws", sourceRanges: settings.loadBalancerSourceRanges, certificateArn: settings.certificateArn },
        aws: {
            provider,
            context: caller.aws,
            cluster: cluster.name,
            logBucketExists: settings.monitoring && settings.lokiStorage === "s3" && (await logBucketExists(provider, logBucketName(settings.clusterName, caller.aws))),
        },
        placement: (workload) => placementFor(autoscalingEnvironment, workload),
    });
    if (monitoring !== undefined) autoscaling.scrapeMetrics(monitoring.crds);

    if (settings.domainName !== undefined && settings.hostedZoneId !== undefined) {
        new DnsRecord("app", { hostedZoneId: settings.hostedZoneId, domainName: settings.domainName, target: app.loadBalancerHostname }, awsOptions);
    }
    if (settings.clusterReviewRole !== undefined) {
        new ReviewAccess(
            "review",
            { clusterName: cluster.name, principalArn: roleArnInAccount(caller.aws, settings.clusterReviewRole), partition: caller.aws.partition },
            { providers: { aws: provider, kubernetes: cluster.provider } },
        );
    }
    const hostname = settings.domainName ?? app.loadBalancerHostname;
    const scheme = settings.certificateArn !== undefined ? "https" : "http";

    return {
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        ecrRepositoryUrl: registry.repositoryUrl,
        // Review stacks (pr-<n>) read these, with clusterName, kubeconfig, ecrRepositoryUrl and region.
        ecrRepositoryName: registry.repositoryName,
        kubernetesVersion: settings.kubernetesVersion,
        vpcCidr: settings.vpcCidr,
        vpcId: network.vpcId,
        region: settings.region,
        image,
        imageTag: settings.imageTag ?? "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname,
        url: pulumi.interpolate`${scheme}://${hostname}`,
        ...monitoringOutputs(monitoring),
    };
}

// Settings are read and validated first: a bad value fails before any resource is registered.
export = async () => {
    const settings = readSettings();
    if (settings.environment === "local") {
        return deployToLocalCluster({ ...settings, image: settings.image as string });
    }
    if (settings.environment === "review") {
        return deployReview({ ...settings, region: settings.region as string, pullRequest: settings.pullRequest as number });
    }
    return deployToAws({ ...settings, region: settings.region as string });
};
