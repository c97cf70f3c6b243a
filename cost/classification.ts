// Every resource type the program registers (dynamic resources by name), classified: billable (a pricer turns it into monthly lines) or free,
// with the reason. A type in neither list makes the estimate incomplete and fails tests/cost.test.ts, so a new
// component cannot add cost the estimate silently misses. Add a type here when you add it to the program.
import { awsPricers } from "./aws-pricers";
import { kubernetesPricers } from "./kubernetes-pricers";
import type { Pricer } from "./model";

export type Classification = { billable: Pricer } | { free: string };

const freeTypes: Record<string, string> = {
    "pulumi:providers:aws": "a provider: configuration, nothing created",
    "pulumi:providers:kubernetes": "a provider: configuration, nothing created",
    "random:index/randomPassword:RandomPassword": "generated in the Pulumi state, no cloud resource",
    "aws:iam/role:Role": "IAM has no charge",
    "aws:iam/rolePolicy:RolePolicy": "IAM has no charge",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM has no charge",
    "aws:iam/policy:Policy": "IAM has no charge",
    "aws:iam/instanceProfile:InstanceProfile": "IAM has no charge",
    "aws:ec2/tag:Tag": "a tag on an existing resource, no charge",
    "aws:eks/accessEntry:AccessEntry": "part of the EKS control plane price",
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "part of the EKS control plane price",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": "part of the EKS control plane price",
    "aws:eks/addon:Addon": "EKS addons have no charge; their pods run on the priced nodes",
    "aws:ec2/launchTemplate:LaunchTemplate": "no charge; the volumes it describes are priced with the node group",
    "awsx:ecr:Image": "the build runs where `pulumi up` runs; the image is stored in bootstrap's ECR repository, outside the stack",
    "aws:route53/record:Record": "records have no monthly charge; the hosted zone (not created here) and its queries do",
    "aws:cloudwatch/eventRule:EventRule": "EventBridge delivers AWS service events on the default bus at no charge",
    "aws:cloudwatch/eventTarget:EventTarget": "EventBridge delivers AWS service events on the default bus at no charge",
    "aws:sqs/queuePolicy:QueuePolicy": "no charge; requests are priced with the queue",
    "aws:sns/topic:Topic":
        "a topic has no charge; publishes and deliveries do, per million, the first million publishes a month free " +
        "(https://aws.amazon.com/sns/pricing/): alerts are a few hundred; its key is AWS-managed (alias/aws/sns), no key charge",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket configuration, no charge",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "bucket configuration, no charge",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket configuration, no charge",
    "aws:s3/bucketVersioning:BucketVersioning": "bucket configuration, no charge",
    "aws:s3/bucketPolicy:BucketPolicy": "bucket configuration, no charge",
    "kubernetes:core/v1:Namespace": "a Kubernetes API object: no AWS resource",
    "kubernetes:core/v1:Secret": "a Kubernetes API object: no AWS resource (stored encrypted by the priced KMS key)",
    "kubernetes:core/v1:ConfigMap": "a Kubernetes API object: no AWS resource",
    "kubernetes:core/v1:ServiceAccount": "a Kubernetes API object: no AWS resource",
    "kubernetes:apps/v1:Deployment": "its pods run on the priced nodes",
    "kubernetes:apps/v1:StatefulSet": "its pods run on the priced nodes; volumes are priced through their claims",
    "kubernetes:apps/v1:DaemonSet": "its pods run on the priced nodes",
    "kubernetes:policy/v1:PodDisruptionBudget": "a Kubernetes API object: no AWS resource",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": "scales pods within the priced nodes",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": "enforced by the VPC CNI on the nodes, no charge",
    "kubernetes:storage.k8s.io/v1:StorageClass": "describes volumes; each volume is priced through its claim",
    "kubernetes:storage.k8s.io/v1:StorageClassPatch": "describes volumes; each volume is priced through its claim",
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": "a Prometheus Operator object: rules evaluated by the priced Prometheus",
    "kubernetes:monitoring.coreos.com/v1:PodMonitor": "a Prometheus Operator object: scrape settings, no AWS resource",
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": "a Prometheus Operator object: scrape settings, no AWS resource",
    "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass": "describes the nodes Karpenter launches; they are priced with each NodePool",
    "kubernetes:rbac.authorization.k8s.io/v1:Role": "a Kubernetes API object: no AWS resource",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "a Kubernetes API object: no AWS resource",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": "a Kubernetes API object: no AWS resource",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": "a Kubernetes API object: no AWS resource",
    "kubernetes:core/v1:ResourceQuota": "a Kubernetes API object: no AWS resource",
    "kubernetes:core/v1:LimitRange": "a Kubernetes API object: no AWS resource",
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": "a Kubernetes API object: no AWS resource",
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": "a Kubernetes API object: no AWS resource",
    // A review stack's pods run on staging's nodes, priced with staging (its Karpenter NodePool).
    "pulumi:pulumi:StackReference": "reads another stack's outputs from the state backend: no AWS resource",
};

// A dynamic provider runs this program's own code, so one type covers anything: each is classified by name.
const dynamicResourceType = "pulumi-nodejs:dynamic:Resource";
const freeDynamicResources: Record<string, string> = {
    "volume-reclaim": "a pause during destroy so the EBS CSI driver can delete volumes (components/cluster/storage.ts): nothing created",
};

// The program's own components (type "eks-app:<module>:<Name>") only group children, each classified on its own.
const componentPrefix = "eks-app:";

export function classify(resource: { type: string; name: string }): Classification | undefined {
    const { type, name } = resource;
    const pricer = awsPricers[type] ?? kubernetesPricers[type];
    if (pricer) return { billable: pricer };
    if (type in freeTypes) return { free: freeTypes[type] };
    if (type.startsWith(componentPrefix)) return { free: "a component of this program: its children are classified" };
    if (type === dynamicResourceType) {
        const purpose = Object.keys(freeDynamicResources).find((suffix) => name.endsWith(suffix));
        return purpose === undefined ? undefined : { free: freeDynamicResources[purpose] };
    }
    return undefined;
}
