// Which Karpenter NodePools each environment has and which workload runs on which: the scaling decisions that are
// ours, as plain data so tests can hold them (tests/autoscaling/node-pools.test.ts) without rendering anything.

/** An AWS environment's autoscaling shape. `local` has no Karpenter: its workloads go wherever the cluster puts them. */
export type AutoscalingEnvironment = "staging" | "production";
export type Workload = "app" | "redis" | "monitoring";

/** The label Karpenter puts on every node it launches, naming its NodePool. */
export const nodePoolLabel = "karpenter.sh/nodepool";
export const capacityTypeLabel = "karpenter.sh/capacity-type";
/** Nodes of a pool that only some workloads may use carry this taint; those workloads tolerate it. */
export const spotTaint = { key: "eks-app.io/capacity-type", value: "spot", effect: "NoSchedule" } as const;

export interface NodePoolLimits {
    /** vCPUs all of the pool's nodes together may have: Karpenter launches nothing beyond it. */
    cpu: number;
    memoryGiB: number;
}

export interface DisruptionBudget {
    nodes: string;
    reasons?: ("Underutilized" | "Empty" | "Drifted")[];
    /** Cron (UTC) and duration of the window the budget applies in; without them it always applies. */
    schedule?: string;
    duration?: string;
}

export interface NodePoolShape {
    name: string;
    capacityTypes: ("spot" | "on-demand")[];
    /** Set when only workloads that tolerate spot may land here. */
    tainted: boolean;
    /** How long a node lives at most before it is replaced (fresh AMI, no drift). */
    expireAfter: string;
    /** How long an empty or underused node waits before consolidation removes or replaces it. */
    consolidateAfter: string;
    /**
     * How long a drain may wait on PodDisruptionBudgets before Karpenter deletes the remaining pods anyway (a Go
     * duration, e.g. "30m"), so expiry and teardown always finish; the NodePool's delete timeout is longer
     * (autoscaling-node-pools.ts). Redis's PDB is respected that long, then its pod goes; its data is on its volume.
     */
    terminationGracePeriod: string;
    budgets: DisruptionBudget[];
}

/** The families Karpenter may choose from: general purpose, compute and memory optimized, Nitro generations. */
export const instanceCategories = ["c", "m", "r"];
export const minimumInstanceGeneration = 5;
/** At least this many families stay open to a spot request, so one reclaimed capacity pool never stalls scaling. */
export const spotMinimumFamilies = 5;

// Business hours (UTC) in which production nodes are not replaced merely because they are underused: moving
// Redis's master or the app's pods then buys little and costs a failover. Empty and expired nodes still go.
const productionBusinessHours: DisruptionBudget = { nodes: "0", reasons: ["Underutilized"], schedule: "0 7 * * mon-fri", duration: "12h" };

export const nodePoolShapes: Record<AutoscalingEnvironment, NodePoolShape[]> = {
    // Staging: spot only, one pool for everything, nodes replaced weekly.
    staging: [
        {
            name: "spot",
            capacityTypes: ["spot"],
            tainted: false,
            expireAfter: "168h",
            consolidateAfter: "1m",
            terminationGracePeriod: "30m",
            budgets: [{ nodes: "20%" }],
        },
    ],
    // Production: on-demand for Redis, monitoring and whatever needs to stay put; a spot pool only the stateless app
    // tolerates. At most 10% of nodes are disrupted at once (and never more than a PDB allows: Karpenter evicts).
    production: [
        {
            name: "on-demand",
            capacityTypes: ["on-demand"],
            tainted: false,
            expireAfter: "720h",
            consolidateAfter: "10m",
            // Long enough for a Redis replica to resync before the next server's eviction, which its PDB waits for.
            terminationGracePeriod: "1h",
            budgets: [{ nodes: "10%" }, productionBusinessHours],
        },
        {
            name: "app-spot",
            capacityTypes: ["spot"],
            tainted: true,
            expireAfter: "720h",
            consolidateAfter: "5m",
            terminationGracePeriod: "30m",
            budgets: [{ nodes: "10%" }, productionBusinessHours],
        },
    ],
};

export interface NodeSelectorRequirement {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
    values?: string[];
}

/** Where a workload's pods may run: pod spec fragments the components merge into their own. */
export interface PodPlacement {
    /** The NodePools the pods may run on (a required node affinity), so they never fill the system node group. */
    nodePools: string[];
    affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: NodeSelectorRequirement[] }[] } };
    };
    tolerations: { key: string; operator: "Equal"; value: string; effect: string }[];
    /** Extra topology spread: set where pods must not all share one capacity type. */
    topologySpreadConstraints: { maxSkew: number; topologyKey: string; whenUnsatisfiable: "ScheduleAnyway" | "DoNotSchedule" }[];
}

const placements: Record<AutoscalingEnvironment, Record<Workload, string[]>> = {
    staging: { app: ["spot"], redis: ["spot"], monitoring: ["spot"] },
    // Redis (volumes, Sentinel quorum) and monitoring (its own volumes) stay on on-demand nodes; the app may use spot.
    production: { app: ["on-demand", "app-spot"], redis: ["on-demand"], monitoring: ["on-demand"] },
};

/** Where a workload runs in an environment with Karpenter. */
export function placementFor(environment: AutoscalingEnvironment, workload: Workload): PodPlacement {
    const nodePools = placements[environment][workload];
    const pools = nodePoolShapes[environment].filter((pool) => nodePools.includes(pool.name));
    const taintedPools = pools.filter((pool) => pool.tainted);
    const mixesCapacityTypes = new Set(pools.flatMap((pool) => pool.capacityTypes)).size > 1;
    return {
        nodePools,
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: nodePoolLabel, operator: "In", values: nodePools }] }],
                },
            },
        },
        tolerations: taintedPools.length > 0 ? [{ key: spotTaint.key, operator: "Equal", value: spotTaint.value, effect: spotTaint.effect }] : [],
        // Spread over spot and on-demand alike, so one wave of spot reclaims never takes most of the app at once.
        // A preference: when spot is short, Karpenter launches on-demand rather than leave pods pending.
        topologySpreadConstraints: mixesCapacityTypes ? [{ maxSkew: 1, topologyKey: capacityTypeLabel, whenUnsatisfiable: "ScheduleAnyway" }] : [],
    };
}
