// The monitoring stack as the real program declares it (harness: index.ts under mocks, real stack files): what
// is scraped and allowed to be, where alerts go and what stays secret, how Grafana is reached, where logs live
// and what a destroy leaves, and the autoscaler's traffic metric.
import { strict as assert } from "assert";
import { dashboards, ruleFiles } from "../../components/monitoring/as-code";
import { ProgramRun, readStackConfig, RegisteredResource, runProgram, StackName } from "../../harness";
import { DependencyGraph } from "../../harness/graph";
import { ConfigError, parseSettings } from "../../stacks/settings";

const releaseType = "kubernetes:helm.sh/v3:Release";
const slackUrl = "https://hooks.slack.com/services/T0000/B0000/not-a-real-token";
const heartbeatUrl = "https://heartbeat.example.com/ping/0123";

const release = (run: ProgramRun, name: string) => run.ofType(releaseType).find((r) => r.inputs.name === name);
const stackValues = (run: ProgramRun) => release(run, "kube-prometheus-stack")!.inputs.values;
const byKind = (run: ProgramRun, kind: string) => run.resources.filter((r) => r.custom && r.inputs.kind === kind);
const named = (run: ProgramRun, kind: string, name: string) => byKind(run, kind).find((r) => r.inputs.metadata?.name === name);
const waitsFor = (resource: RegisteredResource, dependency: RegisteredResource) =>
    resource.options.dependsOn.some((d) => d.type === dependency.type && d.name === dependency.name);

describe("monitoring in the program", function () {
    this.timeout(10 * 60 * 1000);
    const runs = {} as Record<StackName, ProgramRun>;
    before(async () => {
        for (const stack of ["dev", "prod", "local"] as const) runs[stack] = await runProgram(stack);
    });
    const each = (test: (run: ProgramRun) => void) => () => (["dev", "prod", "local"] as const).forEach((stack) => test(runs[stack]));

    it("deploys the stack by default on every stack, and skips it (HPA on CPU alone) with monitoring off", async () => {
        for (const run of Object.values(runs)) assert.ok(release(run, "kube-prometheus-stack"), run.stack);
        const off = await runProgram("local", { config: { "eks-app:monitoring": "false" } });
        assert.equal(off.ofType(releaseType).filter((r) => r.inputs.namespace === "monitoring").length, 0);
        assert.deepEqual(byKind(off, "PodMonitor"), []);
        assert.deepEqual(named(off, "HorizontalPodAutoscaler", "eks-app")!.inputs.spec.metrics.map((m: { type: string }) => m.type), ["Resource"]);
        assert.equal(off.outputs.grafanaPortForward, undefined);
    });

    it("loads the promtool-tested rule files as PrometheusRules and the dashboards as ConfigMaps Grafana's sidecar picks up", each((run) => {
        const rules = byKind(run, "PrometheusRule");
        assert.deepEqual(rules.map((r) => r.inputs.spec.groups).flat(), ruleFiles().flatMap((file) => file.groups));
        const loaded = run.resources.filter((r) => r.inputs.kind === "ConfigMap" && r.inputs.metadata?.labels?.grafana_dashboard === "1");
        assert.equal(loaded.length, dashboards().length);
        for (const configMap of loaded) for (const json of Object.values(configMap.inputs.data)) assert.ok(JSON.parse(String(json)).uid);
        // The chart's sidecar watches that label in its own namespace, where the dashboards are, in their folder.
        assert.equal(stackValues(run).grafana.sidecar.dashboards.label, "grafana_dashboard");
        for (const configMap of loaded) {
            assert.equal(configMap.inputs.metadata.namespace, "monitoring");
            assert.equal(configMap.inputs.metadata.annotations[stackValues(run).grafana.sidecar.dashboards.folderAnnotation], "eks-app");
        }
    }));

    it("creates the rules and monitors only after the release that installs their CRDs", each((run) => {
        const stack = release(run, "kube-prometheus-stack")!;
        for (const object of [...byKind(run, "PrometheusRule"), ...byKind(run, "PodMonitor")]) assert.ok(waitsFor(object, stack), `${object.name} ${run.stack}`);
    }));

    it("scrapes the app's http port, the Redis exporter and HAProxy, which admit the monitoring namespace", each((run) => {
        const app = named(run, "PodMonitor", "eks-app")!.inputs;
        const container = named(run, "Deployment", "eks-app")!.inputs.spec.template.spec.containers[0];
        assert.ok(container.ports.some((p: { name: string }) => p.name === app.spec.podMetricsEndpoints[0].port));
        assert.equal(app.spec.podMetricsEndpoints[0].path, "/metrics");
        const redis = named(run, "PodMonitor", "redis")!.inputs;
        assert.deepEqual(redis.spec.podMetricsEndpoints.map((e: { port: string }) => e.port), ["exporter-port", "metrics-port"]);
        const ingress = named(run, "NetworkPolicy", "redis-ingress")!.inputs.spec.ingress;
        const fromMonitoring = ingress.find((rule: any) => rule.from?.[0]?.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "monitoring");
        assert.deepEqual(fromMonitoring.ports.map((p: { port: number }) => p.port).sort(), [9101, 9121]);
        assert.equal(fromMonitoring.from.length, 1, "nothing else shares the metrics ports");
    }));

    it("scales the app on requests per second per pod through prometheus-adapter, as well as CPU", each((run) => {
        const metrics = named(run, "HorizontalPodAutoscaler", "eks-app")!.inputs.spec.metrics;
        const traffic = metrics.find((m: { type: string }) => m.type === "Pods").pods;
        assert.deepEqual(traffic.target, { type: "AverageValue", averageValue: "50" });
        assert.ok(metrics.some((m: { type: string }) => m.type === "Resource"));
        const [rule] = release(run, "prometheus-adapter")!.inputs.values.rules.custom;
        assert.equal(rule.name.as, traffic.metric.name, "the adapter serves the metric the HPA asks for");
        const recorded = ruleFiles().flatMap((f) => f.groups.flatMap((g) => g.rules.map((r) => r.record)));
        assert.ok(recorded.some((name) => rule.seriesQuery.startsWith(`${name}{`)), "from a series the rules record");
    }));

    it("keeps alerts in Alertmanager on a local stack with no receiver configured", () => {
        const config = stackValues(runs.local).alertmanager.config;
        assert.equal(config.route.receiver, "null");
        assert.deepEqual(config.receivers, [{ name: "null" }]);
        assert.equal(named(runs.local, "Secret", "alertmanager-receiver"), undefined);
        assert.equal(runs.local.ofType("aws:sns/topic:Topic").length, 0);
    });

    it("pages (critical) and opens tickets (warning) through two SNS topics of the stack by default on AWS, with no secret", () => {
        for (const run of [runs.dev, runs.prod]) {
            const topics = run.ofType("aws:sns/topic:Topic");
            const topic = (kind: string) => topics.find((t) => t.inputs.name === `eks-app-${run.stack}-alerts-${kind}`)!;
            const [page, ticket] = [topic("page"), topic("ticket")];
            assert.ok(page && ticket, run.stack);
            for (const t of [page, ticket]) assert.equal(t.inputs.kmsMasterKeyId, "alias/aws/sns", "encrypted at rest");
            const pageArn = `arn:aws:sns:eu-west-1:123456789012:${page.inputs.name}`;
            const ticketArn = `arn:aws:sns:eu-west-1:123456789012:${ticket.inputs.name}`;
            const config = stackValues(run).alertmanager.config;
            const receiver = (name: string) => config.receivers.find((r: { name: string }) => r.name === name);
            const routeFor = (matcher: string) => config.route.routes.find((r: { matchers: string[] }) => r.matchers.includes(matcher));
            assert.equal(routeFor('severity = "critical"').receiver, "page");
            assert.equal(routeFor('severity = "warning"').receiver, "ticket");
            assert.deepEqual(receiver("page").sns_configs.map((c: { topic_arn: string }) => c.topic_arn), [pageArn]);
            assert.deepEqual(receiver("ticket").sns_configs.map((c: { topic_arn: string }) => c.topic_arn), [ticketArn]);
            assert.equal(receiver("page").sns_configs[0].sigv4.region, "eu-west-1");
            assert.equal(run.outputs.alertPageTopicArn, pageArn);
            assert.equal(run.outputs.alertTicketTopicArn, ticketArn);

            // Alertmanager's service account publishes to those two topics and nothing else.
            const association = run.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation").find((a) => a.inputs.serviceAccount === stackValues(run).alertmanager.serviceAccount.name)!;
            assert.equal(association.inputs.namespace, "monitoring");
            const policy = JSON.parse(run.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === association.name)!.inputs.policy);
            assert.deepEqual(policy.Statement.map((st: { Action: string[]; Resource: string[] }) => [st.Action, st.Resource]), [[["sns:Publish"], [pageArn, ticketArn]]]);
            assert.equal(named(run, "Secret", "alertmanager-receiver"), undefined, "no receiver secret is needed");
        }
    });

    it("routes pages, tickets and the heartbeat to configured URLs from a Secret, never through Helm values or plain outputs", async () => {
        const ticketUrl = "https://tickets.example.com/hook/0123";
        const run = await runProgram("prod", {
            config: {
                "eks-app:alertReceiverUrl": slackUrl,
                "eks-app:alertReceiverType": "slack",
                "eks-app:alertTicketReceiverUrl": ticketUrl,
                "eks-app:alertHeartbeatUrl": heartbeatUrl,
            },
        });
        const values = stackValues(run);
        const receiver = (name: string) => values.alertmanager.config.receivers.find((r: { name: string }) => r.name === name);
        assert.match(receiver("page").slack_configs[0].api_url_file, /^\/etc\/alertmanager\/secrets\/alertmanager-receiver\/url$/);
        assert.match(receiver("ticket").slack_configs[0].api_url_file, /^\/etc\/alertmanager\/secrets\/alertmanager-receiver\/ticket-url$/);
        assert.equal(receiver("page").sns_configs.length, 1, "the page topic still gets every page");
        const heartbeat = values.alertmanager.config.route.routes.find((r: { matchers: string[] }) => r.matchers.includes('alertname = "DeadMansSwitch"'));
        assert.equal(heartbeat.receiver, "heartbeat");
        assert.deepEqual(values.alertmanager.alertmanagerSpec.secrets, ["alertmanager-receiver"]);
        assert.deepEqual(named(run, "Secret", "alertmanager-receiver")!.inputs.stringData, { url: slackUrl, "ticket-url": ticketUrl, "heartbeat-url": heartbeatUrl });
        const everywhereButTheSecret = JSON.stringify([run.outputs, run.resources.filter((r) => r.inputs.metadata?.name !== "alertmanager-receiver").map((r) => r.inputs)]);
        for (const url of [slackUrl, ticketUrl, heartbeatUrl]) assert.ok(!everywhereButTheSecret.includes(url));
    });

    it("links each alert to its runbook section where the repository is read, when that is configured", async () => {
        const run = await runProgram("dev", { config: { "eks-app:alertRunbookBaseUrl": "https://github.com/acme/eks-app/blob/main/" } });
        const alerts = byKind(run, "PrometheusRule").flatMap((r) => r.inputs.spec.groups.flatMap((g: { rules: { alert?: string; annotations?: Record<string, string> }[] }) => g.rules)).filter((r: { alert?: string }) => r.alert);
        const appDown = alerts.find((r: { alert?: string }) => r.alert === "AppDown")!;
        assert.equal(appDown.annotations!.runbook_url, "https://github.com/acme/eks-app/blob/main/docs/runbook.md#alert-appdown");
    });

    it("places every monitoring workload on production's on-demand NodePool, and the node agents on every node", () => {
        const onDemand = (affinity: any) => affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values;
        const values = stackValues(runs.prod);
        for (const [what, affinity] of [
            ["prometheus", values.prometheus.prometheusSpec.affinity],
            ["alertmanager", values.alertmanager.alertmanagerSpec.affinity],
            ["grafana", values.grafana.affinity],
            ["operator", values.prometheusOperator.affinity],
            ["kube-state-metrics", values["kube-state-metrics"].affinity],
            ["loki", release(runs.prod, "loki")!.inputs.values.singleBinary.affinity],
            ["prometheus-adapter", release(runs.prod, "prometheus-adapter")!.inputs.values.affinity],
        ]) {
            assert.deepEqual(onDemand(affinity), ["on-demand"], what);
        }
        assert.equal(release(runs.prod, "alloy")!.inputs.namespace, "monitoring-node-agents");
        // Moving it there replaces the release; its ClusterRole keeps its name, which Helm gives one release only.
        assert.equal(release(runs.prod, "alloy")!.options.deleteBeforeReplace, true);
        assert.equal(values["prometheus-node-exporter"].namespaceOverride, "monitoring-node-agents");
    });

    it("keeps Grafana private: ClusterIP, a generated admin password as a secret output, the port-forward command", each((run) => {
        assert.equal(stackValues(run).grafana.service.type, "ClusterIP");
        const password = named(run, "Secret", "grafana-admin")!.inputs.stringData["admin-password"];
        assert.ok(run.one("random:index/randomPassword:RandomPassword", "grafana-admin"), "generated, not fixed");
        assert.equal(run.outputs.grafanaAdminPassword, password);
        assert.ok(run.secretOutputs.has("grafanaAdminPassword"));
        assert.ok(!JSON.stringify(stackValues(run)).includes(password), "the password is not in Helm values");
        assert.equal(run.outputs.grafanaPortForward, "kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80");
    }));

    it("puts Grafana behind an internal load balancer only when asked", async () => {
        const run = await runProgram("dev", { config: { "eks-app:grafanaInternalLoadBalancer": "true" } });
        const service = stackValues(run).grafana.service;
        assert.equal(service.type, "LoadBalancer");
        assert.equal(service.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
    });

    it("keeps production's logs in an encrypted, private bucket only Loki's Pod Identity role can use, and keeps it on destroy", () => {
        const run = runs.prod;
        const bucket = run.one("aws:s3/bucket:Bucket");
        assert.equal(bucket.options.protect, true);
        assert.equal(bucket.options.retainOnDelete, true);
        assert.notEqual(bucket.inputs.forceDestroy, true);
        assert.equal(run.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "AES256");
        const block = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
        assert.ok(block.blockPublicAcls && block.blockPublicPolicy && block.ignorePublicAcls && block.restrictPublicBuckets);
        const association = run
            .ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation")
            .find((a) => a.inputs.namespace === "monitoring" && a.inputs.serviceAccount === release(run, "loki")!.inputs.values.serviceAccount.name)!;
        const policy = JSON.parse(run.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === association.name)!.inputs.policy);
        const bucketArn = `arn:aws:s3:::${bucket.inputs.bucket}`;
        for (const statement of policy.Statement) {
            assert.ok([bucketArn, `${bucketArn}/*`].includes(statement.Resource), statement.Sid);
            for (const action of [statement.Action].flat()) assert.match(action, /^s3:(ListBucket|GetObject|PutObject|DeleteObject)$/);
        }
        assert.equal(release(run, "loki")!.inputs.values.loki.storage.bucketNames.chunks, bucket.inputs.bucket);
    });

    it("keeps staging's and local logs on a volume, and deletes a staging bucket with its logs on destroy", async () => {
        for (const run of [runs.dev, runs.local]) {
            assert.equal(release(run, "loki")!.inputs.values.loki.storage.type, "filesystem");
            assert.equal(run.ofType("aws:s3/bucket:Bucket").length, 0);
        }
        assert.equal(release(runs.dev, "loki")!.inputs.values.singleBinary.persistence.storageClass, "gp3");
        const withBucket = await runProgram("dev", { config: { "eks-app:lokiStorage": "s3" } });
        const bucket = withBucket.one("aws:s3/bucket:Bucket");
        assert.equal(bucket.inputs.forceDestroy, true);
        assert.equal(bucket.options.protect, false);
    });

    it("deletes monitoring volumes with a staging or local stack and keeps production's", () => {
        for (const [stack, kept] of [["dev", "Delete"], ["local", "Delete"], ["prod", "Retain"]] as const) {
            const values = stackValues(runs[stack]);
            assert.equal(values.prometheus.prometheusSpec.persistentVolumeClaimRetentionPolicy.whenDeleted, kept, stack);
            assert.equal(values.alertmanager.alertmanagerSpec.persistentVolumeClaimRetentionPolicy.whenDeleted, kept, stack);
            assert.equal(release(runs[stack], "loki")!.inputs.values.singleBinary.persistence.whenDeleted, kept, stack);
        }
    });

    it("is deleted, volumes and bucket with it, before the volume-reclaim pause, the EBS CSI driver and the nodes", () => {
        for (const run of [runs.dev, runs.prod]) {
            const graph = new DependencyGraph(run);
            const monitoring = run.ofType(releaseType).filter((r) => ["monitoring", "monitoring-node-agents"].includes(r.inputs.namespace));
            const platform = [
                ...run.ofType("pulumi-nodejs:dynamic:Resource").filter((r) => r.name.endsWith("-volume-reclaim")),
                ...run.ofType("aws:eks/addon:Addon").filter((a) => a.inputs.addonName === "aws-ebs-csi-driver"),
                ...run.ofType("aws:eks/nodeGroup:NodeGroup"),
            ];
            assert.ok(monitoring.length === 4 && platform.length >= 3, run.stack);
            for (const a of monitoring) for (const b of platform) assert.ok(graph.deletedBefore(a, b), `${run.stack}: ${a.name} before ${b.name}`);
        }
    });
});

describe("monitoring settings", () => {
    const problems = (stack: StackName, overrides: Record<string, string>): string[] => {
        try {
            parseSettings({ project: "eks-app", stack, config: { ...readStackConfig(stack), ...overrides } });
            return [];
        } catch (error) {
            if (error instanceof ConfigError) return error.problems;
            throw error;
        }
    };

    it("defaults to HA Prometheus and Alertmanager and S3 logs in production only", () => {
        const settings = (stack: StackName) => parseSettings({ project: "eks-app", stack, config: readStackConfig(stack) });
        assert.deepEqual([settings("prod").prometheusReplicas, settings("prod").alertmanagerReplicas, settings("prod").lokiStorage], [2, 3, "s3"]);
        for (const stack of ["dev", "local"] as const) assert.deepEqual([settings(stack).prometheusReplicas, settings(stack).lokiStorage], [1, "filesystem"]);
        for (const stack of ["dev", "prod", "local"] as const) assert.equal(settings(stack).monitoring, true);
    });

    it("refuses AWS-only monitoring options on the local stack", () => {
        assert.match(problems("local", { "eks-app:lokiStorage": "s3" }).join(), /lokiStorage.*not allowed in the local environment/);
        assert.match(problems("local", { "eks-app:grafanaInternalLoadBalancer": "true" }).join(), /not allowed in the local environment/);
    });

    it("refuses a Loki retention that is not whole days, and a receiver URL that is not https, without echoing the secret", () => {
        assert.match(problems("dev", { "eks-app:lokiRetention": "36h" }).join(), /eks-app:lokiRetention = "36h" is not allowed: expected whole days in hours/);
        const [problem] = problems("dev", { "eks-app:alertReceiverUrl": "http://hooks.example.com/secret-token" });
        assert.match(problem, /eks-app:alertReceiverUrl = \(secret value hidden\) is not allowed: expected an https URL/);
        assert.ok(!problem.includes("secret-token"));
    });

    it("fails a production preview that would page no one, and passes with either the topics or a receiver URL", () => {
        const [problem] = problems("prod", { "eks-app:alertSnsTopics": "false" });
        assert.match(problem, /eks-app:alertSnsTopics is false and eks-app:alertReceiverUrl is not set: production must page someone/);
        assert.deepEqual(problems("prod", { "eks-app:alertSnsTopics": "false", "eks-app:alertReceiverUrl": "https://pager.example.com/hook" }), []);
        assert.deepEqual(problems("prod", {}), []);
        assert.deepEqual(problems("dev", { "eks-app:alertSnsTopics": "false" }), [], "staging may page no one");
        assert.match(problems("local", { "eks-app:alertSnsTopics": "true" }).join(), /alertSnsTopics = true is not allowed in the local environment/);
    });

    it("refuses a Prometheus retention shorter than the slowest burn-rate window (3 days)", () => {
        assert.match(problems("dev", { "eks-app:prometheusRetention": "2d" }).join(), /eks-app:prometheusRetention = "2d" is shorter than the 3 days the slowest burn-rate alert reads/);
        for (const stack of ["dev", "prod", "local"] as const) {
            const settings = parseSettings({ project: "eks-app", stack, config: readStackConfig(stack) });
            assert.ok(Number(settings.prometheusRetention.slice(0, -1)) * (settings.prometheusRetention.endsWith("w") ? 7 : 1) >= 3, stack);
        }
    });

    it("keeps the receiver URLs out of the settings object (they are read as secrets)", () => {
        const settings = parseSettings({ project: "eks-app", stack: "dev", config: { ...readStackConfig("dev"), "eks-app:alertReceiverUrl": "https://example.com/hook" } });
        assert.equal(settings.alertReceiverConfigured, true);
        assert.ok(!JSON.stringify(settings).includes("example.com/hook"));
    });
});
