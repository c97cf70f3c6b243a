// Production's shape, applied for real in scratch namespaces once the local stack is gone (so its host ports and
// prometheus-adapter's metrics API are out of the way): DaemonSets on every node of every pool, tainted ones
// included, and Redis's PodDisruptionBudget under a drain through the eviction API.
import { productionChecks } from "./support/live-checks";

describe("production's objects on the simulated cluster", function () {
    productionChecks();
});
