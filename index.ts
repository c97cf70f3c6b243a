import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AppImage } from "./components/app-image";
import { assertCallerHasAccess, logGroupExists, resolveCaller } from "./components/aws-context";
import { controlPlaneLogGroupName } from "./components/cluster/control-plane";
import { Cluster } from "./components/cluster";
import { DnsRecord } from "./components/dns";
import { Network } from "./components/network";
import { Redis } from "./components/redis";
import { Registry } from "./components/registry";
import { appName, LoadBalancerSettings, WebApp } from "./components/web-app";
import { configuredRedisPassword, readSettings, Settings } from "./stacks";

interface WorkloadTarget {
    provider: k8s.Provider;
    image: pulumi.Input<string>;
    /** What must exist before the workload and outlive it on destroy (nodes, storage, DNS). */
    dependsOn: pulumi.Resource[];
    storageClassName?: string;
    podSecurityVersion: string;
    loadBalancer: LoadBalancerSettings;
}

function deployWorkload(settings: Settings, target: WorkloadTarget) {
    const options = { providers: { kubernetes: target.provider }, dependsOn: target.dependsOn };
    const redisNamespace = `${settings.namespace}-redis`;
    const redis = new Redis(
        "redis",
        {
            namespace: redisNamespace,
            podSecurityVersion: target.podSecurityVersion,
            chartVersion: settings.redisChartVersion,
            replicas: settings.redisReplicas,
            storageSize: settings.redisStorageSize,
            storageClassName: target.storageClassName,
            configuredPassword: configuredRedisPassword(),
            clientNamespace: settings.namespace,
            clientPodLabels: { "app.kubernetes.io/name": appName },
            metricsScraperNamespace: settings.metricsScraperNamespace,
            protectData: settings.environment === "production",
        },
        options,
    );
    return new WebApp(
        "app",
        {
            namespace: settings.namespace,
            podSecurityVersion: target.podSecurityVersion,
            image: target.image,
            minReplicas: settings.appMinReplicas,
            maxReplicas: settings.appMaxReplicas,
            cpuTargetUtilization: settings.appCpuTargetUtilization,
            resources: {
                cpuRequest: settings.appCpuRequest,
                cpuLimit: settings.appCpuLimit,
                memoryRequest: settings.appMemoryRequest,
                memoryLimit: settings.appMemoryLimit,
            },
            redis: { host: redis.host, port: redis.port, password: redis.password, namespace: redisNamespace },
            loadBalancer: target.loadBalancer,
        },
        { ...options, dependsOn: [...target.dependsOn, redis] },
    );
}

async function deployToAws(settings: Settings & { region: string }) {
    const provider = new aws.Provider("aws", {
        region: settings.region as aws.Region,
        defaultTags: {
            tags: { project: settings.project, stack: settings.stack, environment: settings.environment, "managed-by": "pulumi" },
        },
    });
    const caller = await resolveCaller(provider, settings.region);
    const deployerPrincipalArn = settings.clusterDeployerPrincipalArn ?? caller.deployerPrincipalArn;
    assertCallerHasAccess(caller.deployerPrincipalArn, settings, deployerPrincipalArn);
    const production = settings.environment === "production";
    const awsOptions = { providers: { aws: provider } };

    const network = new Network(
        "network",
        { cidrBlock: settings.vpcCidr, availabilityZoneCount: settings.availabilityZoneCount, natGateways: settings.natGateways },
        awsOptions,
    );
    const registry = new Registry(
        "app",
        { repositoryName: settings.clusterName, keepTaggedImages: settings.ecrKeepTaggedImages, forceDelete: !production },
        awsOptions,
    );
    const cluster = new Cluster(
        "cluster",
        {
            aws: caller.aws,
            iam: { permissionsBoundaryArn: settings.iamPermissionsBoundaryArn },
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
                deployerPrincipalArn,
                adminPrincipalArns: settings.clusterAdminPrincipalArns,
                viewerPrincipalArns: settings.clusterViewerPrincipalArns,
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
        },
        awsOptions,
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

    const app = deployWorkload(settings, {
        provider: cluster.provider,
        image,
        dependsOn: cluster.workloadDependencies,
        storageClassName: "gp3",
        podSecurityVersion: `v${settings.kubernetesVersion}`,
        loadBalancer: { kind: "aws", sourceRanges: settings.loadBalancerSourceRanges, certificateArn: settings.certificateArn },
    });

    if (settings.domainName !== undefined && settings.hostedZoneId !== undefined) {
        new DnsRecord("app", { hostedZoneId: settings.hostedZoneId, domainName: settings.domainName, target: app.loadBalancerHostname }, awsOptions);
    }
    const hostname = settings.domainName ?? app.loadBalancerHostname;
    const scheme = settings.certificateArn !== undefined ? "https" : "http";

    return {
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        ecrRepositoryUrl: registry.repositoryUrl,
        vpcId: network.vpcId,
        region: settings.region,
        image,
        imageTag: settings.imageTag ?? "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname,
        url: pulumi.interpolate`${scheme}://${hostname}`,
    };
}

function deployToLocalCluster(settings: Settings & { image: string }) {
    // No kubeconfig given: the provider uses the current context, like kubectl.
    const provider = new k8s.Provider("local", { enableServerSideApply: true });
    const app = deployWorkload(settings, {
        provider,
        image: settings.image,
        dependsOn: [],
        podSecurityVersion: "latest",
        loadBalancer: { kind: "local", sourceRanges: settings.loadBalancerSourceRanges },
    });
    return {
        image: settings.image,
        imageTag: "",
        loadBalancerHostname: app.loadBalancerHostname,
        hostname: app.loadBalancerHostname,
        url: app.loadBalancerHostname.apply((host) => (host ? `http://${host}` : "")),
    };
}

// Settings are read and validated first: a bad value fails before any resource is registered.
export = async () => {
    const settings = readSettings();
    if (settings.environment === "local") {
        return deployToLocalCluster({ ...settings, image: settings.image as string });
    }
    return deployToAws({ ...settings, region: settings.region as string });
};
