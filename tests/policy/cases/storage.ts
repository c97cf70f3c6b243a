import { ebsVolumeEncrypted, launchTemplateEbsEncrypted, storageClassEncrypted } from "../../../policy/rules/storage";
import { FakeResource, PolicyCases, unknownDuringPreview } from "../support";

const volume = (props: Record<string, unknown>): FakeResource => ({ type: "aws:ebs/volume:Volume", name: "data", props: { availabilityZone: "eu-west-1a", size: 10, ...props } });
const launchTemplate = (blockDeviceMappings: unknown): FakeResource => ({ type: "aws:ec2/launchTemplate:LaunchTemplate", name: "cluster-nodes", props: { blockDeviceMappings } });
const storageClass = (name: string, props: Record<string, unknown>): FakeResource => ({
    type: "kubernetes:storage.k8s.io/v1:StorageClass",
    name,
    props: { metadata: { name }, ...props },
});
const rootDevice = (ebs: Record<string, unknown>) => ({ deviceName: "/dev/xvda", ebs: { volumeSize: 50, volumeType: "gp3", ...ebs } });

export const storageCases: PolicyCases[] = [
    {
        policy: ebsVolumeEncrypted,
        passing: [{ title: "an encrypted volume", resources: [volume({ encrypted: true })] }],
        failing: [
            {
                title: "a volume without encryption",
                resources: [volume({})],
                messages: [/^aws:ebs\/volume:Volume "data": the volume is not encrypted\. Fix: set encrypted: true/],
            },
        ],
        unknownDuringPreview: [{ title: "encryption flag", resources: [volume({ encrypted: unknownDuringPreview.boolean })] }],
    },
    {
        policy: launchTemplateEbsEncrypted,
        passing: [
            {
                title: "an encrypted root device and an instance-store device",
                resources: [launchTemplate([rootDevice({ encrypted: "true" }), { deviceName: "/dev/sdb", virtualName: "ephemeral0" }])],
            },
        ],
        failing: [
            {
                title: "a root device without encryption",
                resources: [launchTemplate([rootDevice({})])],
                messages: [/^aws:ec2\/launchTemplate:LaunchTemplate "cluster-nodes": block device \/dev\/xvda is not encrypted\. Fix: set blockDeviceMappings\[0\]\.ebs\.encrypted: "true"/],
            },
            {
                title: "encryption turned off on a second device",
                resources: [launchTemplate([rootDevice({ encrypted: "true" }), { deviceName: "/dev/xvdb", ebs: { encrypted: "false" } }])],
                messages: [/^aws:ec2\/launchTemplate:LaunchTemplate "cluster-nodes": block device \/dev\/xvdb is not encrypted\. Fix: set blockDeviceMappings\[1\]\.ebs\.encrypted: "true"/],
            },
        ],
        unknownDuringPreview: [
            { title: "encryption flag", resources: [launchTemplate([rootDevice({ encrypted: unknownDuringPreview.string })])] },
            { title: "device list", resources: [launchTemplate(unknownDuringPreview.array)] },
        ],
    },
    {
        policy: storageClassEncrypted,
        passing: [
            {
                title: "an encrypted EBS class, and a class of another provisioner",
                resources: [
                    storageClass("gp3", { provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", encrypted: "true" } }),
                    storageClass("efs", { provisioner: "efs.csi.aws.com", parameters: {} }),
                ],
            },
            {
                title: "a StorageClassPatch, which is not a StorageClass",
                resources: [{ type: "kubernetes:storage.k8s.io/v1:StorageClassPatch", name: "gp2-not-default", props: { metadata: { name: "gp2" } } }],
            },
        ],
        failing: [
            {
                title: "an EBS CSI class without encryption",
                resources: [storageClass("fast", { provisioner: "ebs.csi.aws.com", parameters: { type: "io2" } })],
                messages: [/^kubernetes:storage\.k8s\.io\/v1:StorageClass "fast": volumes provisioned by ebs\.csi\.aws\.com are not encrypted\. Fix: set parameters\.encrypted: "true"/],
            },
            {
                title: "an in-tree EBS class with encryption off",
                resources: [storageClass("gp2", { provisioner: "kubernetes.io/aws-ebs", parameters: { type: "gp2", encrypted: "false" } })],
                messages: [/^kubernetes:storage\.k8s\.io\/v1:StorageClass "gp2": volumes provisioned by kubernetes\.io\/aws-ebs are not encrypted\. Fix:/],
            },
        ],
        unknownDuringPreview: [
            { title: "encryption parameter", resources: [storageClass("gp3", { provisioner: "ebs.csi.aws.com", parameters: { encrypted: unknownDuringPreview.string } })] },
        ],
    },
];
