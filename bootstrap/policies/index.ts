// The delivery roles' IAM documents, as plain data so tests parse and evaluate every statement. One file per
// document; this one only gathers them.
export * from "./context";
export * from "./trust";
export * from "./guardrails";
export { awsManagedPolicyActions } from "./aws-managed";
export { programBoundary, programKeyActions } from "./program-boundary";
export { deployNetworkPolicy, networkReadActions } from "./deploy-network";
export { deployClusterPolicy } from "./deploy-cluster";
export { deployIamPolicy, passedToServices } from "./deploy-iam";
export { deployRegistryPolicy } from "./deploy-registry";
export { deployServicesPolicy } from "./deploy-services";
export { imagePushPolicy } from "./image-push";
export { previewPolicy } from "./preview";
export { reviewPolicy, reviewStateObjects } from "./review";
export { stateBucketPolicy, stateObjects } from "./state";
