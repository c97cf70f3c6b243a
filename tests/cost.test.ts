import { strict as assert } from "assert";
import { ProgramRun, RegisteredResource, runProgram } from "../harness";
import { assumptionsFrom } from "../cost/assumptions";
import { classify } from "../cost/classification";
import { criticalPath } from "../cost/critical-path";
import { Estimate, estimate } from "../cost/estimate";
import { chartName, chartRules } from "../cost/helm-volumes";
import { formatDiff } from "../cost/report";

const defaults = assumptionsFrom({});
const linesOf = (result: Estimate, type: string, item?: string) =>
    result.lines.filter((line) => line.type === type && (item === undefined || line.item.startsWith(item)));
const oneLine = (result: Estimate, type: string, item: string) => {
    const found = linesOf(result, type, item);
    assert.equal(found.length, 1, `one ${item} line for ${type}, found ${found.length}`);
    return found[0];
};

/** Why a resource of a billable type has no line, when that is by design; undefined when it should have one. */
function billsNothing(resource: RegisteredResource): string | undefined {
    if (resource.type === "kubernetes:core/v1:Service" && resource.inputs.spec?.type !== "LoadBalancer") return "a Service without a load balancer";
    if (resource.type !== "kubernetes:helm.sh/v3:Release") return undefined;
    const chart = chartName(String(resource.inputs.chart));
    if (chart === "redis-ha") return "its volumes are the claims the program declares, priced as claims";
    const rule = chartRules[chart];
    return rule !== undefined && "none" in rule ? rule.none : undefined;
}

/** A resource the program does not register, shaped like one it does (so harness fields added later carry over). */
function fakeResource(like: RegisteredResource, type: string, name: string, inputs: Record<string, any>): RegisteredResource {
    return { ...like, type, name, inputs, parent: undefined, dependencies: [], options: { ...like.options, dependsOn: [] } };
}

describe("cost and time of each stack", () => {
    const runs: Record<"dev" | "prod", ProgramRun> = {} as never;
    const estimates: Record<"dev" | "prod", Estimate> = {} as never;

    before(async () => {
        for (const stack of ["dev", "prod"] as const) {
            runs[stack] = await runProgram(stack);
            estimates[stack] = estimate(stack, runs[stack].resources, defaults);
        }
    });

    describe("monthly estimate", () => {
        for (const stack of ["dev", "prod"] as const) {
            it(`${stack}: every resource type the program registers is classified as billable or free`, () => {
                const unclassified = runs[stack].resources.filter((resource) => classify(resource) === undefined).map((r) => `${r.type} ${r.name}`);
                assert.deepEqual(unclassified, [], "classify these in cost/classification.ts (priced, or free with a reason)");
            });

            it(`${stack}: prices every billable resource, with a line for each kind of cost`, () => {
                const result = estimates[stack];
                assert.deepEqual(result.unpriced, []);
                const pricedTypes = new Set(result.lines.map((line) => line.type));
                for (const type of [
                    "awsx:ec2:Vpc",
                    "eks:index:Cluster",
                    "aws:eks/nodeGroup:NodeGroup",
                    "aws:kms/key:Key",
                    "aws:cloudwatch/logGroup:LogGroup",
                    "kubernetes:core/v1:PersistentVolumeClaim",
                    "kubernetes:core/v1:Service",
                ]) {
                    assert.ok(pricedTypes.has(type), `${type} has a line`);
                }
                for (const item of ["NAT gateway hours", "NAT gateway data processed", "NLB hours", "NLB capacity units", "CloudWatch log ingestion", "CloudWatch log storage"]) {
                    assert.ok(result.lines.some((line) => line.item === item), `${item} has a line`);
                }
            });

            it(`${stack}: has a line for every registered billable resource, unless it bills nothing by design`, () => {
                const result = estimates[stack];
                const withoutLine = runs[stack].resources
                    .filter((resource) => {
                        const classification = classify(resource);
                        return classification !== undefined && "billable" in classification;
                    })
                    .filter((resource) => !result.lines.some((line) => line.type === resource.type && line.name === resource.name))
                    .filter((resource) => billsNothing(resource) === undefined);
                assert.deepEqual(withoutLine.map((resource) => `${resource.type} ${resource.name}`), []);
            });

            it(`${stack}: the total is the sum of the lines, each its quantity at its unit price`, () => {
                const result = estimates[stack];
                for (const line of result.lines) assert.ok(Math.abs(line.monthly - line.quantity * line.unitPrice) < 1e-9, `${line.name} ${line.item}`);
                const sum = result.lines.reduce((total, line) => total + line.monthly, 0);
                assert.ok(Math.abs(result.total - sum) < 1e-9);
                assert.ok(result.total > 0);
            });
        }

        it("staging costs less than production for the reasons the profiles give", () => {
            const [dev, prod] = [estimates.dev, estimates.prod];
            assert.ok(dev.total < prod.total, `dev ${dev.total} < prod ${prod.total}`);

            // One NAT gateway in staging, one per AZ (3) in production.
            const natHours = (result: Estimate) => oneLine(result, "awsx:ec2:Vpc", "NAT gateway hours").quantity;
            assert.equal(natHours(dev), 730);
            assert.equal(natHours(prod), 3 * 730);

            // Spot nodes in staging are priced below production's on-demand ones, and there are fewer of them.
            const nodes = (result: Estimate) => oneLine(result, "aws:eks/nodeGroup:NodeGroup", "nodes:");
            assert.match(nodes(dev).item, /spot/);
            assert.match(nodes(prod).item, /on-demand/);
            assert.ok(nodes(dev).unitPrice < nodes(prod).unitPrice);
            assert.equal(nodes(dev).quantity, 2 * 730);
            assert.equal(nodes(prod).quantity, 3 * 730);

            // One Redis server (one volume) in staging, three in production; each counted once although the Helm
            // release would create the same claims the program declares.
            const redisVolumes = (result: Estimate) => result.lines.filter((line) => /redis/i.test(line.item));
            assert.deepEqual(redisVolumes(dev).map((line) => [line.type, line.quantity]), [["kubernetes:core/v1:PersistentVolumeClaim", 2]]);
            assert.deepEqual(redisVolumes(prod).map((line) => [line.type, line.quantity]), [
                ["kubernetes:core/v1:PersistentVolumeClaim", 8],
                ["kubernetes:core/v1:PersistentVolumeClaim", 8],
                ["kubernetes:core/v1:PersistentVolumeClaim", 8],
            ]);

            // Production keeps logs 90 days, staging 7.
            assert.ok(oneLine(dev, "aws:cloudwatch/logGroup:LogGroup", "CloudWatch log storage").quantity < oneLine(prod, "aws:cloudwatch/logGroup:LogGroup", "CloudWatch log storage").quantity);
        });

        it("takes usage from flags and states every assumption it used", () => {
            const more = estimate("dev", runs.dev.resources, assumptionsFrom({ "--nat-gb": "500", "--spot-discount": "0" }));
            const natData = (result: Estimate) => oneLine(result, "awsx:ec2:Vpc", "NAT gateway data processed").monthly;
            assert.ok(Math.abs(natData(more) - 10 * natData(estimates.dev)) < 1e-9);
            assert.ok(oneLine(more, "aws:eks/nodeGroup:NodeGroup", "nodes:").unitPrice > oneLine(estimates.dev, "aws:eks/nodeGroup:NodeGroup", "nodes:").unitPrice);
            assert.deepEqual(
                more.assumptions.filter((a) => ["--nat-gb", "--spot-discount"].includes(a.flag)).map((a) => [a.flag, a.value]),
                [["--spot-discount", 0], ["--nat-gb", 500]],
            );
            assert.throws(() => assumptionsFrom({ "--nat-gb": "lots" }), /--nat-gb must be a number/);
        });

        it("reports a new billable resource it cannot price instead of leaving it out", () => {
            const registered = [
                ...runs.dev.resources,
                fakeResource(runs.dev.resources[0], "aws:rds/instance:Instance", "database", { instanceClass: "db.t4g.medium" }),
                fakeResource(runs.dev.resources[0], "kubernetes:helm.sh/v3:Release", "tempo", { chart: "charts/tempo-1.2.3.tgz", name: "tempo", namespace: "monitoring", values: {} }),
            ];
            const nodeGroup = registered.findIndex((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
            registered[nodeGroup] = { ...registered[nodeGroup], inputs: { ...registered[nodeGroup].inputs, instanceTypes: ["x9z.huge"] } };

            const result = estimate("dev", registered, defaults);
            assert.deepEqual(
                result.unpriced.map((item) => [item.type, item.name, item.reason]),
                [
                    ["aws:eks/nodeGroup:NodeGroup", "cluster-nodes", "instance type x9z.huge has no price in cost/prices.ts"],
                    ["aws:rds/instance:Instance", "database", "type not classified in cost/classification.ts"],
                    ["kubernetes:helm.sh/v3:Release", "tempo", "chart tempo: no entry in cost/helm-volumes.ts says which volumes it creates"],
                ],
            );
        });

        it("refuses to present eu-west-1 prices as another region's", async () => {
            const elsewhere = await runProgram("dev", { config: { "aws:region": "us-east-1" } });
            const result = estimate("dev", elsewhere.resources, defaults);
            assert.deepEqual(result.unpriced.map((item) => item.reason), ["deploys to us-east-1; cost/prices.ts holds eu-west-1 prices"]);
        });

        it("prices the volumes a monitoring chart creates from its values", () => {
            const prometheus = fakeResource(runs.prod.resources[0], "kubernetes:helm.sh/v3:Release", "monitoring", {
                chart: "charts/kube-prometheus-stack-88.5.3.tgz",
                name: "kube-prometheus-stack",
                namespace: "monitoring",
                values: {
                    prometheus: { prometheusSpec: { replicas: 2, storageSpec: { volumeClaimTemplate: { spec: { storageClassName: "gp3", resources: { requests: { storage: "50Gi" } } } } } } },
                },
            });
            const result = estimate("prod", [...runs.prod.resources, prometheus], defaults);
            const volumes = linesOf(result, "kubernetes:helm.sh/v3:Release").filter((line) => line.name === "monitoring");
            assert.deepEqual(volumes.map((line) => [line.item, line.quantity]), [
                ["EBS gp3: kube-prometheus-stack Prometheus 0", 50],
                ["EBS gp3: kube-prometheus-stack Prometheus 1", 50],
            ]);
        });

        it("shows a pull request the estimate on main, on the branch, and what changed", () => {
            const markdown = formatDiff(estimates.dev, estimates.prod);
            assert.match(markdown, new RegExp(`\\| \\*\\*total per month\\*\\* \\| \\$${estimates.dev.total.toFixed(2)} \\| \\$${estimates.prod.total.toFixed(2)} \\| \\*\\*\\+\\$`));
            assert.match(markdown, /\| network \| NAT gateway hours \| \$35\.04 \| \$105\.12 \| \+\$70\.08 \|/);
            assert.doesNotMatch(markdown, /EKS control plane/, "unchanged lines are left out");
            assert.match(formatDiff(undefined, estimates.dev), /No estimate on the base branch/);
        });
    });

    describe("critical path of a first up", () => {
        it("dev: the cluster, then its node group, then the workload, each starting when the one before ends", async () => {
            // The app's own chain; with monitoring on, the monitoring charts' chain is the longer one (README).
            const withoutMonitoring = await runProgram("dev", { config: { "eks-app:monitoring": "false" } });
            const path = criticalPath(withoutMonitoring.resources);
            const position = (type: string) => path.steps.findIndex((step) => step.type === type);
            const cluster = position("eks:index:Cluster");
            const nodes = position("aws:eks/nodeGroup:NodeGroup");
            // The workload: the app's Deployment or Service, or Redis's release, whichever bounds the chain.
            const redisRelease = path.steps.findIndex((step) => step.type === "kubernetes:helm.sh/v3:Release" && step.name === "redis");
            const workload = Math.max(position("kubernetes:apps/v1:Deployment"), position("kubernetes:core/v1:Service"), redisRelease);
            assert.ok(cluster >= 0 && cluster < nodes && nodes < workload, path.steps.map((step) => step.type).join(" → "));
            for (let index = 1; index < path.steps.length; index++) {
                assert.equal(path.steps[index].startsAt, path.steps[index - 1].endsAt, `${path.steps[index].name} starts when ${path.steps[index - 1].name} ends`);
                assert.ok(path.steps[index].waitsBecause, `${path.steps[index].name} says why it waits`);
            }
            assert.equal(path.totalSeconds, path.steps.at(-1)?.endsAt);
            for (const step of path.steps) assert.ok(step.source.length > 0, `${step.type} has a source for its duration`);
        });

        it("names the explicit waits on the path and what dropping each would save", () => {
            const path = criticalPath(runs.dev.resources);
            assert.ok(path.explicitWaits.length > 0);
            for (const wait of path.explicitWaits) assert.ok(wait.totalWithout <= path.totalSeconds, `${wait.from.name} → ${wait.to.name}`);
            // Shortened already: the app no longer waits for the whole Redis release, nor its Service for the rollout.
            const waits = path.explicitWaits.map((wait) => `${wait.from.type} → ${wait.to.type}`);
            assert.ok(!waits.includes("eks-app:workload:WebApp → eks-app:workload:Redis"), waits.join("\n"));
            assert.ok(!waits.includes("kubernetes:core/v1:Service → kubernetes:apps/v1:Deployment"), waits.join("\n"));
        });
    });
});
