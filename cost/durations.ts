// Typical time to create one resource, by type, each with where the figure comes from. AWS documents most of these
// only as "a few minutes"; where a number is the project's own estimate (nothing here has been deployed and
// timed yet) the source says so. Replace an estimate with a measurement from a real `pulumi up` when there is one.
import type { RegisteredResource } from "../harness";
import { chartName } from "./helm-volumes";

export interface Duration {
    seconds: number;
    source: string;
}

const docs = {
    eks: "AWS EKS User Guide, Create a cluster: cluster provisioning takes several minutes, typically about 10 (https://docs.aws.amazon.com/eks/latest/userguide/create-cluster.html)",
    nodeGroup: "AWS EKS User Guide, Create a managed node group: nodes launch and join in a few minutes (https://docs.aws.amazon.com/eks/latest/userguide/create-managed-node-group.html)",
    addon: "AWS EKS User Guide, Create an add-on: ACTIVE once its pods run, about a minute (https://docs.aws.amazon.com/eks/latest/userguide/creating-an-add-on.html)",
    nat: "Amazon VPC User Guide, NAT gateways: pending to available takes a few minutes (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html); the subnets and routes around it take seconds",
    nlb: "Elastic Load Balancing, Network Load Balancers: provisioning to active takes a few minutes (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html); Pulumi waits for its DNS name on the Service",
    api: "one API call: seconds (project estimate)",
    iam: "IAM: seconds, plus the provider's wait for IAM's eventual consistency (project estimate)",
};

const byType: Record<string, Duration> = {
    "eks:index:Cluster": { seconds: 600, source: docs.eks },
    "aws:eks/nodeGroup:NodeGroup": { seconds: 240, source: docs.nodeGroup },
    "aws:eks/addon:Addon": { seconds: 60, source: docs.addon },
    "awsx:ec2:Vpc": { seconds: 150, source: docs.nat },
    "aws:iam/role:Role": { seconds: 5, source: docs.iam },
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { seconds: 5, source: docs.iam },
    "aws:iam/rolePolicy:RolePolicy": { seconds: 5, source: docs.iam },
    "aws:eks/accessEntry:AccessEntry": { seconds: 5, source: docs.api },
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": { seconds: 5, source: docs.api },
    "aws:kms/key:Key": { seconds: 10, source: docs.api },
    "awsx:ecr:Image": {
        seconds: 180,
        source: "docker build of app/ and push to ECR (project estimate; CI sets imageTag and skips it)",
    },
    "kubernetes:helm.sh/v3:Release": {
        seconds: 150,
        source: "Helm install with atomic: waits until every pod is ready, including EBS volumes attaching (project estimate)",
    },
    "kubernetes:apps/v1:Deployment": {
        seconds: 60,
        source: "image pull and readiness probes of a rollout (project estimate; the progress deadline is 240 s)",
    },
};

// A Helm release waits until its pods are ready; a chart of CRDs only has none to wait for.
const releaseByChart: Record<string, Duration> = {
    "karpenter-crd": { seconds: 15, source: "Helm install of CustomResourceDefinitions only: no pods to wait for (project estimate)" },
    "kube-prometheus-stack": {
        seconds: 210,
        source: "Helm install: operator, Prometheus and Alertmanager StatefulSets with volumes, Grafana, exporters, until ready (project estimate)",
    },
};

const instant: Duration = { seconds: 0, source: "nothing is created: a component, a provider or generated state" };

/** How long creating this resource typically takes. */
export function typicalDuration(resource: RegisteredResource): Duration {
    if (resource.type === "kubernetes:core/v1:Service" && resource.inputs.spec?.type === "LoadBalancer") return { seconds: 150, source: docs.nlb };
    if (resource.type === "kubernetes:helm.sh/v3:Release") {
        const chartDuration = releaseByChart[chartName(String(resource.inputs.chart ?? ""))];
        if (chartDuration) return chartDuration;
    }
    const known = byType[resource.type];
    if (known) return known;
    if (!resource.custom || resource.type.startsWith("pulumi:providers:") || resource.type.startsWith("random:")) return instant;
    const kubernetesObject = resource.type.startsWith("kubernetes:");
    return { seconds: kubernetesObject ? 2 : 5, source: kubernetesObject ? "one Kubernetes API call: seconds (project estimate)" : docs.api };
}
