import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Seconds the EBS CSI driver is given, after the last claim is deleted, to delete the volumes it provisioned. */
export const volumeReclaimSeconds = 90;

/**
 * A resource whose deletion waits: on destroy, Kubernetes deletes a released volume asynchronously after its
 * claim is gone, and the EBS CSI driver (with its role) must still be there to detach and delete it, or the
 * volume leaks. Nothing in the API can be awaited for that from here, so teardown pauses between the claims
 * (which depend on the storage class, which depends on this) and the driver (which this depends on).
 */
const pauseOnDelete: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        return { id: "pause-on-delete", outs: inputs };
    },
    async delete(_id, outs) {
        await new Promise((resolve) => setTimeout(resolve, Number(outs.seconds) * 1000));
    },
};

class PauseOnDelete extends pulumi.dynamic.Resource {
    constructor(name: string, args: { seconds: number }, opts: pulumi.CustomResourceOptions) {
        super(pauseOnDelete, name, args, opts);
    }
}

export interface StorageArgs {
    provider: k8s.Provider;
    volumeKeyArn: pulumi.Input<string>;
    /** The EBS CSI addon and its identity: they must outlive every volume. */
    driver: pulumi.Resource[];
}

/** The default class: its volumes are deleted with their claims. */
export const defaultStorageClassName = "gp3";
/** The same volumes, kept in EC2 when their claim is deleted: for data that must survive a destroy (production's Redis). */
export const retainedStorageClassName = "gp3-retain";

export interface Storage {
    /** gp3, the cluster's default. */
    gp3: k8s.storage.v1.StorageClass;
    /** gp3-retain: reclaim policy Retain. */
    retained: k8s.storage.v1.StorageClass;
}

/**
 * gp3 as the cluster's only default StorageClass, and gp3-retain beside it: encrypted with the project's key, bound
 * where the pod lands. Since Kubernetes 1.30 EKS no longer marks gp2 as default, so nothing needs un-defaulting.
 */
export function createStorage(parent: pulumi.Resource, name: string, args: StorageArgs): Storage {
    const volumeReclaim = new PauseOnDelete(`${name}-volume-reclaim`, { seconds: volumeReclaimSeconds }, { parent, dependsOn: args.driver });
    const storageClass = (logicalName: string, className: string, reclaimPolicy: "Delete" | "Retain", isDefault: boolean) =>
        new k8s.storage.v1.StorageClass(
            logicalName,
            {
                metadata: { name: className, ...(isDefault ? { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } : {}) },
                provisioner: "ebs.csi.aws.com",
                // A volume is created in the AZ of the pod that first uses it, and stays there.
                volumeBindingMode: "WaitForFirstConsumer",
                allowVolumeExpansion: true,
                reclaimPolicy,
                parameters: { type: "gp3", encrypted: "true", kmsKeyId: args.volumeKeyArn, "csi.storage.k8s.io/fstype": "ext4" },
            },
            { parent, provider: args.provider, dependsOn: [volumeReclaim] },
        );
    return {
        gp3: storageClass(`${name}-gp3`, defaultStorageClassName, "Delete", true),
        // A released volume stays in EC2, tagged with its cluster and claim (README: Storage, reattaching).
        retained: storageClass(`${name}-gp3-retain`, retainedStorageClassName, "Retain", false),
    };
}
