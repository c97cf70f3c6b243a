import { strict as assert } from "assert";
import { ProgramRun, runProgram, StackName, testGeneratedPassword } from "../../harness";
import { appContainer, certificateArn, object, workloadRuns } from "./support";

describe("workload", () => {
    let runs = {} as Record<StackName, ProgramRun>;
    before(async () => {
        runs = await workloadRuns();
    });
    const each = (test: (run: ProgramRun) => void) => () => (["dev", "prod", "local"] as const).forEach((stack) => test(runs[stack]));

    describe("the public entry", () => {
        it("is an internet-facing, cross-zone NLB through annotations the built-in cloud provider understands", () => {
            const service = object(runs.dev, "Service", "eks-app");
            assert.equal(service.spec.type, "LoadBalancer");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"], "nlb");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "false");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled"], "true");
            assert.deepEqual(service.spec.ports.map((p: { port: number }) => p.port), [80]);
        });

        it("keeps the client's address and takes a draining pod's node out of the NLB within the app's drain delay", each((run) => {
            const service = object(run, "Service", "eks-app");
            assert.equal(service.spec.externalTrafficPolicy, "Local", "Cluster would SNAT: every client would look like a node to the rate limit");
            const annotations: Record<string, string> = service.metadata.annotations;
            const annotation = (name: string): string | undefined => annotations[`service.beta.kubernetes.io/aws-load-balancer-healthcheck-${name}`];
            // A path, port or protocol would replace kube-proxy's per-node check of ready local pods.
            for (const replaced of ["path", "port", "protocol"]) assert.equal(annotation(replaced), undefined, replaced);
            if (run.stack === "local") return;
            const drainDelay = Number(appContainer(run).env.find((e: { name: string }) => e.name === "DRAIN_DELAY_SECONDS").value);
            const interval = Number(annotation("interval"));
            const unhealthyThreshold = Number(annotation("unhealthy-threshold"));
            assert.ok(interval >= 5 && unhealthyThreshold >= 2, "the lowest an NLB accepts");
            assert.ok(interval * unhealthyThreshold < drainDelay, `the NLB needs ${interval * unhealthyThreshold} s to drop the node, the pod drains for ${drainDelay} s`);
            assert.ok(Number(annotation("timeout")) < interval);
        }));

        it("admits only the configured client CIDRs at the load balancer", async () => {
            const office = ["198.51.100.0/24", "203.0.113.7/32"];
            const run = await runProgram("dev", { config: { "eks-app:loadBalancerSourceRanges": JSON.stringify(office) } });
            const service = run.ofType("kubernetes:core/v1:Service").find((s) => s.inputs.spec?.type === "LoadBalancer")!;
            assert.deepEqual(service.inputs.spec.loadBalancerSourceRanges, office);
        });

        it("exports hostname and url from the load balancer", () => {
            assert.equal(runs.dev.outputs.hostname, "app-0123456789.elb.eu-west-1.amazonaws.com");
            assert.equal(runs.dev.outputs.url, "http://app-0123456789.elb.eu-west-1.amazonaws.com");
        });

        it("terminates TLS with the ACM certificate and points the Route 53 name at the load balancer", async () => {
            const withDomain = await runProgram("prod", {
                config: { "eks-app:domainName": "links.example.com", "eks-app:hostedZoneId": "Z0123456789ABCDEFGHIJ", "eks-app:certificateArn": certificateArn },
            });
            const service = object(withDomain, "Service", "eks-app");
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"], certificateArn);
            assert.equal(service.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-ports"], "https");
            assert.deepEqual(service.spec.ports.map((p: { port: number }) => p.port), [80, 443]);
            const record = withDomain.one("aws:route53/record:Record").inputs;
            assert.deepEqual([record.name, record.type, record.records], ["links.example.com", "CNAME", ["app-0123456789.elb.eu-west-1.amazonaws.com"]]);
            assert.equal(withDomain.outputs.hostname, "links.example.com");
            assert.equal(withDomain.outputs.url, "https://links.example.com");
        });

        it("keeps every secret out of the stack outputs", each((run) => {
            const outputs = JSON.stringify(run.outputs);
            assert.ok(!outputs.includes(testGeneratedPassword), `${run.stack} leaks the Redis password in its outputs`);
        }));
    });

    describe("teardown order", () => {
        it("deletes the LoadBalancer Service and Redis volumes before the node group (they depend on it)", () => {
            for (const stack of ["dev", "prod"] as const) {
                const run = runs[stack];
                const components = ["eks-app:workload:Redis", "eks-app:workload:WebApp"].map((type) => run.one(type));
                for (const component of components) {
                    assert.ok(
                        component.options.dependsOn.some((d) => d.type === "aws:eks/nodeGroup:NodeGroup"),
                        `${stack}: ${component.type} does not depend on the node group`,
                    );
                }
            }
        });

        it("registers no AWS resource for the local stack", () => {
            const aws = runs.local.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("awsx:") || r.type.startsWith("eks:") || r.type === "pulumi:providers:aws");
            assert.deepEqual(aws.map((r) => r.type), []);
            assert.deepEqual(Object.keys(runs.local.outputs).sort(), [
                "grafanaAdminPassword",
                "grafanaPortForward",
                "hostname",
                "image",
                "imageTag",
                "loadBalancerHostname",
                "url",
            ]);
        });
    });
});
