// The EC2NodeClass and NodePools against the CRD schemas the vendored karpenter-crd chart ships, and the scaling
// decisions that are ours: which pools each environment has, what they may launch, which workload runs where.
import { strict as assert } from "assert";
import Ajv, { ValidateFunction } from "ajv";
import { runProgram } from "../../harness";
import { KubernetesObject, renderChart } from "../../harness/helm";
import { karpenterChartFile } from "../../components/autoscaling/karpenter";
import { durationMinutes, ec2NodeClass, nodePool } from "../../components/autoscaling/node-pools";
import { AutoscalingEnvironment, nodePoolShapes, placementFor, spotTaint, Workload } from "../../components/autoscaling/profile";

const environments: AutoscalingEnvironment[] = ["staging", "production"];
const workloads: Workload[] = ["app", "redis", "monitoring"];
const limits = { cpu: 32, memoryGiB: 128 };
const nodeClassSettings = {
    clusterName: "eks-app-dev",
    instanceProfileName: "autoscaling-karpenter-node",
    amiAlias: "al2023@v20260714",
    volumeKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/volumes",
    diskSizeGiB: 50,
    tags: { project: "eks-app", stack: "dev", environment: "staging", "managed-by": "karpenter" },
};

/**
 * A CRD's schema with unknown fields rejected: every object schema that lists its properties gets
 * `additionalProperties: false`, unless it keeps unknown fields on purpose (x-kubernetes-preserve-unknown-fields).
 */
function closed(schema: any): any {
    if (Array.isArray(schema)) return schema.map(closed);
    if (schema === null || typeof schema !== "object") return schema;
    const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]));
    if (copy.properties && copy.additionalProperties === undefined && !copy["x-kubernetes-preserve-unknown-fields"]) copy.additionalProperties = false;
    return copy;
}

function validatorFor(crds: KubernetesObject[], name: string, version: string): ValidateFunction {
    const crd = crds.find((object) => object.kind === "CustomResourceDefinition" && object.metadata.name === name);
    assert.ok(crd, `the karpenter-crd chart has no ${name}`);
    const served = crd.spec.versions.find((v: { name: string }) => v.name === version);
    assert.ok(served?.served && served.storage, `${name} ${version} is not the served storage version`);
    // The x-kubernetes-* extensions (CEL rules among them) are the API server's: Ajv checks types, enums, patterns, required.
    const ajv = new Ajv({ strict: false, allErrors: true });
    // The OpenAPI formats the CRDs use; date-time appears only under status, which the program never sets.
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat("date-time", true);
    return ajv.compile(closed(served.schema.openAPIV3Schema));
}

describe("Karpenter NodePools and EC2NodeClass against the vendored CRDs", () => {
    let nodePoolSchema: ValidateFunction;
    let nodeClassSchema: ValidateFunction;
    before(() => {
        const crds = renderChart({ chart: karpenterChartFile("karpenter-crd"), release: "karpenter-crd", namespace: "kube-system", values: {} });
        nodePoolSchema = validatorFor(crds, "nodepools.karpenter.sh", "v1");
        nodeClassSchema = validatorFor(crds, "ec2nodeclasses.karpenter.k8s.aws", "v1");
    });

    const errors = (validate: ValidateFunction, object: object) => (validate(object) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));

    it("the EC2NodeClass is valid", () => {
        assert.deepEqual(errors(nodeClassSchema, ec2NodeClass(nodeClassSettings)), []);
    });

    for (const environment of environments) {
        it(`every ${environment} NodePool is valid`, () => {
            for (const pool of nodePoolShapes[environment]) assert.deepEqual(errors(nodePoolSchema, nodePool(pool, limits)), [], pool.name);
        });
    }

    for (const stack of ["dev", "prod"] as const) {
        it(`the objects the ${stack} stack registers are valid`, async () => {
            const run = await runProgram(stack);
            const registered = [...run.ofType("kubernetes:karpenter.sh/v1:NodePool"), ...run.ofType("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")];
            assert.equal(registered.length, stack === "dev" ? 2 : 3);
            for (const resource of registered) {
                const schema = resource.inputs.kind === "NodePool" ? nodePoolSchema : nodeClassSchema;
                assert.deepEqual(errors(schema, resource.inputs), [], resource.name);
            }
        });
    }

    it("the schemas reject an unknown or misspelled field and a malformed duration (the check has teeth)", () => {
        const pool = nodePool(nodePoolShapes.production[0], limits);
        const misspelled = { ...pool, spec: { ...pool.spec, disruption: { ...pool.spec.disruption, consolidationPolicyy: "WhenEmpty" } } };
        assert.match(errors(nodePoolSchema, misspelled).join("\n"), /additional properties/);
        const badExpiry = { ...pool, spec: { ...pool.spec, template: { ...pool.spec.template, spec: { ...pool.spec.template.spec, expireAfter: "30 days" } } } };
        assert.notDeepEqual(errors(nodePoolSchema, badExpiry), []);
        const nodeClass = ec2NodeClass(nodeClassSettings);
        const unknownField = { ...nodeClass, spec: { ...nodeClass.spec, imdsHopLimit: 1 } };
        assert.match(errors(nodeClassSchema, unknownField).join("\n"), /additional properties/);
    });
});

describe("EC2NodeClass: how Karpenter's nodes are built", () => {
    const spec = ec2NodeClass(nodeClassSettings).spec;

    it("pins an AL2023 AMI release rather than following the latest", () => {
        assert.deepEqual(spec.amiSelectorTerms, [{ alias: "al2023@v20260714" }]);
        assert.doesNotMatch(JSON.stringify(spec.amiSelectorTerms), /latest/);
    });

    it("allows IMDSv2 only, with a hop limit of 1 so pods cannot reach the node's credentials", () => {
        assert.equal(spec.metadataOptions.httpTokens, "required");
        assert.equal(spec.metadataOptions.httpPutResponseHopLimit, 1);
    });

    it("encrypts gp3 root volumes with the project's key", () => {
        assert.deepEqual(
            spec.blockDeviceMappings.map((mapping) => [mapping.rootVolume, mapping.ebs.volumeType, mapping.ebs.encrypted, mapping.ebs.kmsKeyID]),
            [[true, "gp3", true, nodeClassSettings.volumeKeyArn]],
        );
    });

    it("finds subnets and security groups by this cluster's discovery tag, and names the program's instance profile", () => {
        assert.deepEqual(spec.subnetSelectorTerms, [{ tags: { "karpenter.sh/discovery": "eks-app-dev" } }]);
        assert.deepEqual(spec.securityGroupSelectorTerms, [{ tags: { "karpenter.sh/discovery": "eks-app-dev" } }]);
        assert.equal(spec.instanceProfile, nodeClassSettings.instanceProfileName);
        assert.ok(!("role" in spec), "with a role, the controller would create instance profiles itself");
    });
});

describe("Scaling decisions per environment", () => {
    const capacityTypesOf = (environment: AutoscalingEnvironment, pools: string[]) =>
        [...new Set(nodePoolShapes[environment].filter((pool) => pools.includes(pool.name)).flatMap((pool) => pool.capacityTypes))].sort();
    const requirement = (environment: AutoscalingEnvironment, poolIndex: number, key: string) =>
        nodePool(nodePoolShapes[environment][poolIndex], limits).spec.template.spec.requirements.find((r) => r.key === key);

    it("staging launches spot only", () => {
        for (const pool of nodePoolShapes.staging) assert.deepEqual(pool.capacityTypes, ["spot"], pool.name);
    });

    it("spot pools keep at least five instance families open across c, m and r", () => {
        for (const environment of environments) {
            nodePoolShapes[environment].forEach((pool, index) => {
                if (!pool.capacityTypes.includes("spot")) return;
                assert.ok((requirement(environment, index, "karpenter.k8s.aws/instance-family") as { minValues?: number })?.minValues! >= 5, pool.name);
                assert.deepEqual(requirement(environment, index, "karpenter.k8s.aws/instance-category")?.values, ["c", "m", "r"]);
            });
        }
    });

    it("production keeps Redis and monitoring on on-demand nodes", () => {
        assert.deepEqual(capacityTypesOf("production", placementFor("production", "redis").nodePools), ["on-demand"]);
        assert.deepEqual(capacityTypesOf("production", placementFor("production", "monitoring").nodePools), ["on-demand"]);
    });

    it("production lets the stateless app use spot, spread over spot and on-demand", () => {
        const app = placementFor("production", "app");
        assert.deepEqual(capacityTypesOf("production", app.nodePools), ["on-demand", "spot"]);
        assert.deepEqual(app.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: "karpenter.sh/capacity-type", whenUnsatisfiable: "ScheduleAnyway" }]);
    });

    it("in production only the app tolerates the spot pool's taint, so nothing else lands on spot", () => {
        const spotPools = nodePoolShapes.production.filter((pool) => pool.capacityTypes.includes("spot"));
        assert.ok(spotPools.length > 0 && spotPools.every((pool) => pool.tainted));
        const tolerating = workloads.filter((workload) => placementFor("production", workload).tolerations.some((t) => t.key === spotTaint.key));
        assert.deepEqual(tolerating, ["app"]);
    });

    it("every workload is held to Karpenter's pools (never the system node group) that exist in its environment", () => {
        for (const environment of environments) {
            const names = nodePoolShapes[environment].map((pool) => pool.name);
            for (const workload of workloads) {
                const placement = placementFor(environment, workload);
                assert.ok(placement.nodePools.length > 0 && placement.nodePools.every((pool) => names.includes(pool)), `${environment} ${workload}`);
                const [term] = placement.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
                assert.deepEqual(term.matchExpressions, [{ key: "karpenter.sh/nodepool", operator: "In", values: placement.nodePools }]);
            }
        }
    });

    it("consolidates every pool, replaces nodes at least monthly, and disrupts at most a fifth of a pool at once", () => {
        for (const environment of environments) {
            for (const pool of nodePoolShapes[environment]) {
                const spec = nodePool(pool, limits).spec;
                assert.equal(spec.disruption.consolidationPolicy, "WhenEmptyOrUnderutilized");
                assert.ok(parseInt(spec.template.spec.expireAfter) <= 720, `${pool.name} expireAfter`);
                const always = spec.disruption.budgets.filter((budget) => !budget.schedule && !budget.reasons);
                assert.ok(always.length === 1 && parseInt(always[0].nodes) <= 20 && always[0].nodes.endsWith("%"), `${environment} ${pool.name}`);
            }
        }
    });

    it("forces every pool's drain after at most an hour, so expiry and teardown finish whatever a PDB says", () => {
        for (const environment of environments) {
            for (const pool of nodePoolShapes[environment]) {
                const spec = nodePool(pool, limits).spec.template.spec as { terminationGracePeriod?: string };
                assert.ok(spec.terminationGracePeriod !== undefined && durationMinutes(spec.terminationGracePeriod) <= 60, `${environment} ${pool.name}`);
            }
        }
    });

    it("reads Go durations as Karpenter writes them", () => {
        assert.deepEqual(["1h", "30m", "1h30m", "90s"].map(durationMinutes), [60, 30, 90, 1.5]);
        for (const bad of ["", "1d", "30", "h1"]) assert.throws(() => durationMinutes(bad), /Go duration/, bad);
    });

    it("production never consolidates underused nodes in business hours", () => {
        for (const pool of nodePoolShapes.production) {
            const frozen = pool.budgets.find((budget) => budget.nodes === "0" && budget.reasons?.includes("Underutilized"));
            assert.deepEqual([frozen?.schedule, frozen?.duration], ["0 7 * * mon-fri", "12h"], pool.name);
        }
    });

    it("caps every pool's CPU and memory", () => {
        for (const environment of environments) {
            for (const pool of nodePoolShapes[environment]) assert.deepEqual(nodePool(pool, { cpu: 24, memoryGiB: 96 }).spec.limits, { cpu: "24", memory: "96Gi" });
        }
    });
});
