import { listAt, unknownValue, valueAt } from "../lib/properties";
import { resourceRule } from "../lib/rule";

export const ebsVolumeEncrypted = resourceRule({
    name: "ebs-volume-encrypted",
    description: "EBS volumes are encrypted.",
    resourceTypes: ["aws:ebs/volume:Volume"],
    check(resource, report) {
        const encrypted = resource.props.encrypted;
        if (encrypted === unknownValue || encrypted === true) return;
        report("the volume is not encrypted", "set encrypted: true (and kmsKeyId for a key of your own)");
    },
});

export const launchTemplateEbsEncrypted = resourceRule({
    name: "launch-template-ebs-encrypted",
    description: "Every EBS block device of a launch template is encrypted.",
    resourceTypes: ["aws:ec2/launchTemplate:LaunchTemplate"],
    check(resource, report) {
        const mappings = listAt(resource.props, "blockDeviceMappings");
        if (mappings === unknownValue) return;
        mappings.forEach((mapping, index) => {
            const ebs = valueAt(mapping, "ebs");
            // Instance-store and suppressed devices have no EBS settings.
            if (ebs === undefined) return;
            const encrypted = valueAt(ebs, "encrypted");
            // The provider takes this flag as a string.
            if (encrypted === unknownValue || encrypted === "true" || encrypted === true) return;
            const device = valueAt(mapping, "deviceName");
            report(
                `block device ${typeof device === "string" ? device : index} is not encrypted`,
                `set blockDeviceMappings[${index}].ebs.encrypted: "true"`,
            );
        });
    },
});

/** Provisioners that put PersistentVolumes on EBS: the CSI driver and the in-tree plugin it replaces. */
const ebsProvisioners = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

export const storageClassEncrypted = resourceRule({
    name: "storage-class-encrypted",
    description: "StorageClasses that provision EBS volumes encrypt them.",
    resourceTypes: ["kubernetes:storage.k8s.io/v1:StorageClass"],
    check(resource, report) {
        const provisioner = resource.props.provisioner;
        if (typeof provisioner !== "string" || !ebsProvisioners.includes(provisioner)) return;
        const encrypted = valueAt(resource.props, "parameters", "encrypted");
        if (encrypted === unknownValue || encrypted === "true") return;
        report(
            `volumes provisioned by ${provisioner} are not encrypted`,
            'set parameters.encrypted: "true" (and parameters.kmsKeyId for a key of your own)',
        );
    },
});

export const storagePolicies = [ebsVolumeEncrypted, launchTemplateEbsEncrypted, storageClassEncrypted];
