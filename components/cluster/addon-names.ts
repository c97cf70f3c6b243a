// The addon vocabulary, without dependencies, so settings validation can name it without loading the SDKs.

/** The EKS addons the cluster installs (the rows of addons.ts); config's addonVersions may pin any of them. */
export const eksAddonNames = ["eks-pod-identity-agent", "vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "metrics-server"] as const;
export type EksAddonName = (typeof eksAddonNames)[number];
