// Two review environments (stacks pr-1 and pr-2 with Pulumi.review.yaml) beside a stand-in for staging, under the real
// engine on the real API server: the live namespaces, the live NetworkPolicies evaluated (kwok enforces none), what
// the review role's group may do (RBAC and the admission policy's CEL, as the API server answers), and the destroy of
// one leaving nothing of it while the other is untouched. Not here: the EKS access entry and access policy (AWS; a
// RoleBinding to `edit` in each review namespace stands in for AmazonEKSEditPolicy's namespace scope), the NLB and
// packets (kwok gives the Service a hostname and runs no container).
import * as assert from "assert";
import { kubectl, kubectlJson, pulumiEnv, pulumiOk, run, waitFor } from "./support/env";
import { admits, NetworkPolicyObject, PodEndpoint } from "../../scripts/manifests/network-policy";
import { reviewGroup } from "../../stacks/naming";
import { asReview, assertOk, canI, asReviewRole, listableKinds, namespaceObject, pulumiAsync, reviewConfigFile, reviewProject, stagingStack } from "./support/review";

const pullRequests = [1, 2];
const namespaceOf = (n: number) => `eks-app-pr-${n}`;
const stagingNamespaces = ["eks-app", "eks-app-redis"];
// Two deploys of each environment, at different times: the expiry follows the config, never the clock.
const updatedAt = "2026-12-04T20:15:00Z";
const denied = { prefix: "the review role may change only namespaces named eks-app-pr-<n>", restricted: "a review namespace enforces Pod Security restricted" };
const restricted = { "pod-security.kubernetes.io/enforce": "restricted" };

describe("review environments pr-1 and pr-2 beside staging, under the real engine", function () {
    let project: string;
    let staging: string;
    let env: NodeJS.ProcessEnv;
    const configs: Record<number, string> = {};
    let failed = false;
    let stagingUp = false;

    before(function () {
        ({ project, staging } = reviewProject());
        // Types are tsc's job (npx tsc --noEmit); transpiling alone keeps each run's start short.
        env = { ...pulumiEnv("review-environments"), PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
        pulumiOk(["stack", "init", stagingStack, "--secrets-provider", "passphrase"], staging, env);
        for (const n of pullRequests) {
            pulumiOk(["stack", "init", `pr-${n}`, "--secrets-provider", "passphrase"], project, env);
            configs[n] = reviewConfigFile(project, n, updatedAt);
        }
    });

    function step(title: string, body: () => void | Promise<void>): void {
        it(title, async function () {
            if (failed) this.skip();
            try {
                await body();
            } catch (error) {
                failed = true;
                throw error;
            }
        });
    }
    const review = (n: number, args: string[]) => pulumiAsync([...args, "--stack", `pr-${n}`, "--config-file", configs[n]], project, env);

    step("the stand-in for staging comes up: its outputs, the review role's RBAC and admission policy, two namespaces of its own", function () {
        pulumiOk(["up", "--yes", "--skip-preview", "--stack", stagingStack], staging, env);
        stagingUp = true;
        assert.ok(kubectl(["get", "validatingadmissionpolicybinding", "eks-app-review-environments", "-o", "name"]).trim());
    });

    step("pr-1 and pr-2 come up side by side as the review workflow runs them: --config-file, the policy pack", async function () {
        const ups = await Promise.all(pullRequests.map((n) => review(n, ["up", "--yes", "--skip-preview", "--policy-pack", "policy"])));
        ups.forEach((result, index) => assertOk(`pulumi up pr-${pullRequests[index]}`, result));
        for (const n of pullRequests) {
            const outputs = JSON.parse(pulumiOk(["stack", "output", "--stack", `pr-${n}`, "--json"], project, env));
            assert.equal(outputs.namespace, namespaceOf(n));
            const services = kubectlJson<{ items: any[] }>(["get", "services", "-n", namespaceOf(n)]).items.filter((s) => s.spec.type === "LoadBalancer");
            assert.equal(services.length, 1, "a load balancer of its own");
            assert.equal(outputs.url, `http://${services[0].status.loadBalancer.ingress[0].hostname}`, "its URL is its load balancer's name (kwok's stand-in)");
        }
    });

    step("each namespace enforces restricted Pod Security, names its pull request, carries its expiry and is bounded", function () {
        for (const n of pullRequests) {
            const namespace = kubectlJson(["get", "namespace", namespaceOf(n)]);
            assert.equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.equal(namespace.metadata.labels["eks-app.io/pull-request"], String(n));
            assert.equal(namespace.metadata.annotations["eks-app.io/expires-at"], "2026-12-11T20:15:00Z", "reviewLifetimeDays (7) after the deploy's time");
            const quota = kubectlJson(["get", "resourcequota", "review-environment", "-n", namespaceOf(n)]);
            assert.deepEqual([quota.spec.hard["limits.cpu"], quota.spec.hard["limits.memory"], quota.spec.hard.persistentvolumeclaims, quota.spec.hard["services.loadbalancers"]], ["1500m", "1Gi", "0", "1"]);
            assert.ok(Number(quota.status.used.pods) >= 2, `the app and Redis count against the quota: ${JSON.stringify(quota.status.used)}`);
            const limits = kubectlJson(["get", "limitrange", "review-environment", "-n", namespaceOf(n)]);
            assert.ok(limits.spec.limits[0].max.cpu && limits.spec.limits[0].max.memory);
            // Pod Security admission, live: a privileged pod is refused (server-side dry run: nothing is created).
            const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "privileged" }, spec: { containers: [{ name: "c", image: "busybox:1.37", securityContext: { privileged: true } }] } };
            const attempt = kubectlResult(["create", "--dry-run=server", "-n", namespaceOf(n), "-f", "-"], JSON.stringify(pod));
            assert.notEqual(attempt.status, 0);
            assert.match(attempt.stderr, /violates PodSecurity "restricted/);
        }
    });

    step("the live NetworkPolicies admit each app to its own Redis and nothing from the other review namespace or staging's", function () {
        const policies = kubectlJson<{ items: NetworkPolicyObject[] }>(["get", "networkpolicies", "--all-namespaces"]).items;
        const pods = (n: number, name: string): PodEndpoint[] =>
            kubectlJson<{ items: any[] }>(["get", "pods", "-n", namespaceOf(n), "-l", `app.kubernetes.io/name=${name}`]).items.map((p) => ({ namespace: namespaceOf(n), labels: p.metadata.labels }));
        const [app1, redis1, app2, redis2] = [pods(1, "eks-app"), pods(1, "redis"), pods(2, "eks-app"), pods(2, "redis")].map((found, i) => {
            assert.equal(found.length, 1, `one live pod each (${i})`);
            return found[0];
        });
        const toRedis = (from: PodEndpoint, to: PodEndpoint) => admits(policies, { from, to, port: 6379, portName: "redis" });
        const toApp = (from: PodEndpoint, to: PodEndpoint) => admits(policies, { from, to, port: 8080, portName: "http" });
        assert.ok(toRedis(app1, redis1) && toRedis(app2, redis2), "each app reaches its own Redis");
        const stagingApp = { namespace: "eks-app", labels: { "app.kubernetes.io/name": "eks-app" } };
        for (const [from, to] of [[app2, redis1], [redis2, redis1], [app1, redis2], [stagingApp, redis1], [stagingApp, redis2]]) {
            assert.ok(!toRedis(from, to), `${from.namespace} reaches ${to.namespace}'s Redis`);
        }
        for (const [from, to] of [[app2, app1], [app1, app2], [stagingApp, app1]]) {
            assert.ok(!toApp(from, to), `${from.namespace} reaches ${to.namespace}'s app`);
        }
    });

    step("the review role's group holds, by staging's RBAC alone, namespaces and their bounds, and nothing else", function () {
        assert.ok(canI(asReviewRole, "list", "namespaces") && canI(asReviewRole, "create", "resourcequotas", namespaceOf(1)));
        for (const [verb, resource, namespace] of [
            ["get", "secrets", namespaceOf(1)],
            ["create", "deployments", namespaceOf(1)],
            ["get", "secrets", "eks-app-redis"],
            ["create", "rolebindings", namespaceOf(2)],
            ["create", "clusterrolebindings", undefined],
            ["get", "nodes", undefined],
        ] as [string, string, string | undefined][]) {
            assert.ok(!canI(asReviewRole, verb, resource, namespace), `${verb} ${resource} ${namespace ?? "(cluster)"}`);
        }
    });

    step("with AmazonEKSEditPolicy's namespace scope stood in by RoleBindings to `edit`: edit in review namespaces, never staging's, never RBAC", function () {
        for (const n of pullRequests) {
            kubectl(["create", "rolebinding", "e2e-stands-in-for-eks-edit-policy", "--clusterrole=edit", `--group=${reviewGroup}`, "-n", namespaceOf(n)]);
        }
        // One review role deploys every pull request, so it reads each review namespace: the same scope EKS gives it.
        assert.ok(canI(asReviewRole, "get", "secrets", namespaceOf(1)) && canI(asReviewRole, "create", "deployments", namespaceOf(2)));
        for (const namespace of [...stagingNamespaces, "kube-system", "default"]) {
            assert.ok(!canI(asReviewRole, "get", "secrets", namespace), `reads Secrets in ${namespace}`);
            assert.ok(!canI(asReviewRole, "create", "pods", namespace), `creates pods in ${namespace}`);
        }
        assert.ok(!canI(asReviewRole, "create", "rolebindings", namespaceOf(1)), "edit cannot grant itself more");
        const staged = asReview(["get", "secret", "staging-secret", "-n", "eks-app-redis"]);
        assert.match(staged.stderr, /Forbidden/);
        // pr-2's own pods: no token mounted, and their service account reads no Secret of pr-1's (nor its own).
        for (const pod of kubectlJson<{ items: any[] }>(["get", "pods", "-n", namespaceOf(2)]).items) {
            assert.ok(!(pod.spec.volumes ?? []).some((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken)), `${pod.metadata.name} mounts a token`);
            const account = `system:serviceaccount:${namespaceOf(2)}:${pod.spec.serviceAccountName}`;
            assert.ok(!canI([`--as=${account}`], "get", "secrets", namespaceOf(1)) && !canI([`--as=${account}`], "list", "secrets", namespaceOf(2)), account);
        }
    });

    step("the admission policy refuses each namespace the review role may not make, and admits a good one", function () {
        const create = (name: string, labels: Record<string, string>) => asReview(["create", "-f", "-"], namespaceObject(name, labels));
        assert.match(create("e2e-not-a-review", restricted).stderr, new RegExp(denied.prefix), "a name outside the prefix");
        assert.match(create("eks-app-pr-901", {}).stderr, new RegExp(denied.restricted), "no Pod Security label");
        assert.match(create("eks-app-pr-902", { "pod-security.kubernetes.io/enforce": "baseline" }).stderr, new RegExp(denied.restricted), "baseline");
        const loosened = asReview(["label", "namespace", namespaceOf(2), "pod-security.kubernetes.io/enforce=privileged", "--overwrite"]);
        assert.match(loosened.stderr, new RegExp(denied.restricted), "loosening an existing review namespace");
        assertOk("the review role creates a good namespace", create("eks-app-pr-903", restricted));
        assertOk("and deletes it", asReview(["delete", "namespace", "eks-app-pr-903", "--wait=false"]));
        // Anyone else is left to RBAC: the admin's unlabelled namespace passes (a dry run: nothing is kept).
        assert.equal(kubectlResult(["create", "--dry-run=server", "-f", "-"], namespaceObject("e2e-admin-namespace", {})).status, 0);
        for (const name of ["e2e-not-a-review", "eks-app-pr-901", "eks-app-pr-902"]) {
            assert.equal(kubectl(["get", "namespace", name, "--ignore-not-found", "-o", "name"]).trim(), "", `${name} was created`);
        }
    });

    step("the review role cannot touch staging's namespaces, though RBAC alone would let it delete or relabel them", function () {
        for (const namespace of stagingNamespaces) {
            assert.match(asReview(["delete", "namespace", namespace, "--wait=false"]).stderr, new RegExp(denied.prefix), `delete ${namespace}`);
            assert.match(asReview(["label", "namespace", namespace, "e2e=touched"]).stderr, new RegExp(denied.prefix), `label ${namespace}`);
            const quota = JSON.stringify({ apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "e2e-squat", namespace }, spec: { hard: { pods: "0" } } });
            assert.match(asReview(["create", "-f", "-"], quota).stderr, new RegExp(denied.prefix), `a quota in ${namespace}`);
            const live = kubectlJson(["get", "namespace", namespace]);
            assert.ok(live.status.phase === "Active" && !("e2e" in live.metadata.labels), `${namespace} is untouched`);
        }
    });

    step("a preview of pr-2 at a later time shows no change: its expiry comes from its config, not the clock", async function () {
        assertOk("pulumi preview --expect-no-changes pr-2", await review(2, ["preview", "--expect-no-changes"]));
    });

    step("destroy and stack rm of pr-1 leave nothing of it, and pr-2 untouched", async function () {
        const before = kubectlJson<{ items: any[] }>(["get", "deployments,services,secrets,networkpolicies", "-n", namespaceOf(2)]).items.map((o) => o.metadata.uid).sort();
        // The searches below find pr-1's objects while it runs, so finding none after means none.
        const running = pr1Objects();
        assert.ok(running.labelled.includes(`namespace/${namespaceOf(1)}`) && running.labelled.some((o) => o.startsWith("resourcequota/")), running.labelled.join(", "));
        assert.ok(running.inNamespace.some((o) => o.startsWith("deployment.apps/")), running.inNamespace.join(", "));
        assertOk("pulumi destroy pr-1", await review(1, ["destroy", "--yes", "--skip-preview"]));
        pulumiOk(["stack", "rm", "--yes", "--stack", "pr-1"], project, env);
        assert.ok(!JSON.parse(pulumiOk(["stack", "ls", "--json"], project, env)).some((s: { name: string }) => s.name.endsWith("pr-1")), "the stack is gone");
        await waitFor(`namespace ${namespaceOf(1)} to be gone`, () => kubectl(["get", "namespace", namespaceOf(1), "--ignore-not-found", "-o", "name"]).trim() === "" || undefined, 120_000, 2_000);
        const left = pr1Objects();
        assert.deepEqual(left.labelled, [], "no object anywhere is labelled with pull request 1");
        assert.deepEqual(left.inNamespace, [], "nothing is left in its namespace");
        const after = kubectlJson<{ items: any[] }>(["get", "deployments,services,secrets,networkpolicies", "-n", namespaceOf(2)]).items.map((o) => o.metadata.uid).sort();
        assert.deepEqual(after, before, "pr-2's objects are the same objects");
        assertOk("pr-2 still shows no change", await review(2, ["preview", "--expect-no-changes"]));
    });

    after(async function () {
        this.timeout(10 * 60 * 1000);
        // The cluster is shared with the tests that follow: pr-2 and the stand-in go, whatever happened above.
        await Promise.all(pullRequests.map((n) => review(n, ["destroy", "--yes", "--skip-preview"])));
        if (stagingUp) await pulumiAsync(["destroy", "--yes", "--skip-preview", "--stack", stagingStack], staging, env);
        // What a failed admission check may have let through.
        run("kubectl", ["delete", "namespace", "--ignore-not-found", "--wait=false", "e2e-not-a-review", "eks-app-pr-901", "eks-app-pr-902", "eks-app-pr-903"]);
        await waitFor("the review and stand-in namespaces to be gone", () => {
            const mine = new Set([...pullRequests.map(namespaceOf), "e2e-not-a-review", "eks-app-pr-901", "eks-app-pr-902", "eks-app-pr-903", ...stagingNamespaces]);
            const left = kubectlJson<{ items: any[] }>(["get", "namespaces"]).items.map((n) => n.metadata.name).filter((name: string) => mine.has(name));
            return left.length === 0 || undefined;
        }, 180_000, 2_000);
    });
});

/** pr-1's objects: those labelled with its pull request in any namespace or none, and whatever its namespace holds. */
function pr1Objects(): { labelled: string[]; inNamespace: string[] } {
    const names = (args: string[]) => kubectlResult(["get", ...args, "-o", "name"]).stdout.split("\n").filter(Boolean);
    return { labelled: names([listableKinds(), "--all-namespaces", "-l", "eks-app.io/pull-request=1"]), inNamespace: names([listableKinds(true), "-n", namespaceOf(1)]) };
}

function kubectlResult(args: string[], input?: string) {
    return run("kubectl", args, { input });
}
