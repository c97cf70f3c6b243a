// A pull request's review environment on staging's cluster (stack pr-<n>), and the access staging grants for them.
export { ReviewAccess } from "./access";
export { ReviewNamespace } from "./namespace";
export { loadBalancerClientsOnly } from "./network";
export { ReviewRedis } from "./redis";
