import * as aws from "@pulumi/aws";
import { resolveDeployment } from "./components/aws-context";
import { Cluster } from "./components/cluster";
import { Network } from "./components/network";
import { Registry } from "./components/registry";
import { readSettings, Settings } from "./stacks";

async function deployPlatform(settings: Settings & { region: string }) {
    const provider = new aws.Provider("aws", {
        region: settings.region as aws.Region,
        defaultTags: {
            tags: { project: settings.project, stack: settings.stack, environment: settings.environment, "managed-by": "pulumi" },
        },
    });
    const deployment = await resolveDeployment(provider, settings.region);
    const production = settings.environment === "production";

    const network = new Network(
        "network",
        { cidrBlock: settings.vpcCidr, availabilityZoneCount: settings.availabilityZoneCount, natGateways: settings.natGateways },
        { providers: { aws: provider } },
    );
    const registry = new Registry(
        "app",
        { keepTaggedImages: settings.ecrKeepTaggedImages, forceDelete: !production },
        { providers: { aws: provider } },
    );
    const cluster = new Cluster(
        "cluster",
        {
            aws: deployment.aws,
            clusterName: settings.clusterName,
            kubernetesVersion: settings.kubernetesVersion,
            vpcId: network.vpcId,
            privateSubnetIds: network.privateSubnetIds,
            publicSubnetIds: network.publicSubnetIds,
            endpointPublicAccess: settings.clusterEndpointPublicAccess,
            endpointPublicAccessCidrs: settings.clusterEndpointPublicAccessCidrs,
            logRetentionDays: settings.controlPlaneLogRetentionDays,
            deletionProtection: settings.deletionProtection,
            deployerPrincipalArn: deployment.deployerPrincipalArn,
            adminPrincipalArns: settings.clusterAdminPrincipalArns,
            viewerPrincipalArns: settings.clusterViewerPrincipalArns,
            nodes: {
                instanceTypes: settings.nodeInstanceTypes,
                capacityType: settings.nodeCapacityType,
                minSize: settings.nodeMinSize,
                desiredSize: settings.nodeDesiredSize,
                maxSize: settings.nodeMaxSize,
                diskSizeGiB: settings.nodeDiskSizeGiB,
            },
            addonVersions: settings.addonVersions,
            keyDeletionWindowDays: production ? 30 : 7,
        },
        { providers: { aws: provider } },
    );

    return {
        clusterName: cluster.name,
        kubeconfig: cluster.kubeconfig,
        ecrRepositoryUrl: registry.repositoryUrl,
        vpcId: network.vpcId,
        region: settings.region,
    };
}

// Settings are read and validated first: a bad value fails before any resource is registered.
export = async () => {
    const settings = readSettings();
    if (settings.region === undefined) {
        return {};
    }
    return deployPlatform({ ...settings, region: settings.region });
};
