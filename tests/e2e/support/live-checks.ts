// What only a live cluster can say about the deployed local stack, and about production's shape applied for real
// in scratch namespaces: availability, endpoints, DaemonSet coverage of every node (tainted ones included), RBAC
// as the authorizer answers it, Pod Security admission, and PodDisruptionBudgets under the eviction API.
import * as assert from "assert";
import { chartServiceAccounts } from "../../../components/monitoring/operator-rbac";
import { simulatedNodes, storageClassName } from "../../../scripts/e2e/cluster-objects";
import { kubectl, kubectlJson, run, waitFor } from "./env";
import { renderedStack } from "./rendered";

const operatorSelectorKeys = ["operator.prometheus.io/name", "alertmanager"];

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: any }; [k: string]: any };

/** The namespaces the program created (it labels them part-of eks-app), with their labels. */
function programNamespaces(): Obj[] {
    return kubectlJson<{ items: Obj[] }>(["get", "namespaces", "-l", "app.kubernetes.io/part-of=eks-app"]).items;
}

function listIn(kind: string, namespaces: string[]): Obj[] {
    return namespaces.flatMap((ns) => kubectlJson<{ items: Obj[] }>(["get", kind, "-n", ns]).items);
}

/** Workload pod templates' service accounts: namespace/name of each. */
function workloadServiceAccounts(namespaces: string[]): { namespace: string; name: string; workload: string }[] {
    const seen = new Map<string, { namespace: string; name: string; workload: string }>();
    for (const kind of ["deployments", "statefulsets", "daemonsets"]) {
        for (const w of listIn(kind, namespaces)) {
            const name = w.spec.template.spec.serviceAccountName ?? "default";
            const key = `${w.metadata.namespace}/${name}`;
            if (!seen.has(key)) seen.set(key, { namespace: w.metadata.namespace!, name, workload: `${w.kind} ${w.metadata.namespace}/${w.metadata.name}` });
        }
    }
    return [...seen.values()];
}

interface AccessQuestion {
    serviceAccount: { namespace: string; name: string; workload: string };
    verb: string;
    resource: string;
    /** Undefined: across every namespace (cluster-wide list). */
    namespace?: string;
}

/** Asks the authorizer every question at once (SubjectAccessReviews, as `kubectl auth can-i` sends them); returns the allowed ones. */
function allowed(questions: AccessQuestion[]): AccessQuestion[] {
    const reviews = questions.map((q) => ({
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
            user: `system:serviceaccount:${q.serviceAccount.namespace}:${q.serviceAccount.name}`,
            groups: ["system:serviceaccounts", `system:serviceaccounts:${q.serviceAccount.namespace}`, "system:authenticated"],
            resourceAttributes: { verb: q.verb, resource: q.resource, namespace: q.namespace ?? "" },
        },
    }));
    const answers = kubectl(["create", "-o", 'jsonpath={.status.allowed}{"\\n"}', "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: reviews })).split("\n");
    assert.ok(answers.length >= questions.length, "an answer per question");
    return questions.filter((_, index) => answers[index] === "true");
}

/** Production's objects of the given kinds (and what they need to be admitted), moved to scratch namespaces. */
function productionInScratch(prefix: string, pick: (o: Obj) => boolean): { objects: Obj[]; namespaces: Obj[] } {
    const prod = renderedStack("prod");
    const all: Obj[] = [...prod.objects.filter((o) => !o.partial).map((o) => o.object as Obj), ...prod.releases.flatMap((r) => r.objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? r.namespace } }) as Obj))];
    const chosen = all.filter(pick);
    const sourceNamespaces = new Set(chosen.map((o) => o.metadata.namespace!).filter(Boolean));
    const programNamespace = (name: string) => prod.objects.find((o) => o.object.kind === "Namespace" && o.object.metadata.name === name)?.object as Obj | undefined;
    const namespaces = [...sourceNamespaces].map((name) => {
        const original = programNamespace(name);
        // Pod Security labels as production sets them; not part-of eks-app, so they are not taken for the program's.
        const labels = Object.fromEntries(Object.entries(original?.metadata.labels ?? {}).filter(([key]) => key.startsWith("pod-security.kubernetes.io/")));
        return { apiVersion: "v1", kind: "Namespace", metadata: { name: `${prefix}-${name}`, labels: { ...labels, "eks-app.io/e2e-scratch": "true" } } };
    });
    const objects: Obj[] = chosen.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: `${prefix}-${o.metadata.namespace}` } }));
    // Production's claims name its EBS StorageClasses; here the simulated one binds them.
    for (const o of objects.filter((x) => x.kind === "StatefulSet")) {
        o.spec = { ...o.spec, volumeClaimTemplates: (o.spec.volumeClaimTemplates ?? []).map((t: Obj) => ({ ...t, spec: { ...t.spec, storageClassName } })) };
    }
    // Service accounts the pods name must exist, or admission refuses the pods.
    for (const o of objects) {
        const sa = o.spec?.template?.spec?.serviceAccountName;
        if (sa && !objects.some((x) => x.kind === "ServiceAccount" && x.metadata.name === sa && x.metadata.namespace === o.metadata.namespace)) {
            objects.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: o.metadata.namespace } });
        }
    }
    return { objects, namespaces };
}

function applyAll(objects: Obj[]): void {
    kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=eks-app-e2e", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
}

/** Removes what a check applied; the scratch namespaces go in one delete after the checks. */
function deleteAll(objects: Obj[]): void {
    kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
}

/** Evicts a pod through the eviction API (as `kubectl drain` does): 201 proceeds, 429 is a PDB's refusal. */
function evict(namespace: string, pod: string): { allowed: boolean; message: string } {
    const body = JSON.stringify({ apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace } });
    const result = run("kubectl", ["create", "--raw", `/api/v1/namespaces/${namespace}/pods/${pod}/eviction`, "-f", "-"], { input: body });
    if (result.status === 0) return { allowed: true, message: result.stdout };
    if (/TooManyRequests|disruption budget/i.test(result.stderr)) return { allowed: false, message: result.stderr };
    throw new Error(`eviction of ${namespace}/${pod} failed unexpectedly: ${result.stderr}`);
}

export function liveChecks(): void {

    it("every Deployment and StatefulSet of the program is available", async function () {
        const namespaces = programNamespaces().map((n) => n.metadata.name);
        await waitFor(
            "every workload to be available",
            () => {
                const workloads = [...listIn("deployments", namespaces), ...listIn("statefulsets", namespaces)];
                assert.ok(workloads.length >= 3, `workloads found: ${workloads.length}`);
                const unavailable = workloads.filter((w) => (w.status?.readyReplicas ?? 0) < (w.spec.replicas ?? 1) || (w.kind === "Deployment" && !(w.status?.conditions ?? []).some((c: any) => c.type === "Available" && c.status === "True")));
                if (unavailable.length > 0) throw new Error(unavailable.map((w) => `${w.kind} ${w.metadata.namespace}/${w.metadata.name}: ready ${w.status?.readyReplicas ?? 0}/${w.spec.replicas}`).join("; "));
                return true;
            },
            60_000,
        );
    });

    it("every Service of the program has ready endpoints", async function () {
        const namespaces = programNamespaces().map((n) => n.metadata.name);
        await waitFor("every Service to have endpoints", () => {
            // Pods the Prometheus operator creates (Prometheus's and Alertmanager's, selected by the labels it sets:
            // operator.prometheus.io/name, alertmanager) do not exist here, since no operator runs; every other
            // selector must find ready pods.
            const services = listIn("services", namespaces).filter(
                (s) => s.spec.type !== "ExternalName" && s.spec.selector && Object.keys(s.spec.selector).length > 0 && !operatorSelectorKeys.some((key) => key in s.spec.selector),
            );
            assert.ok(services.length > 0);
            const slices = listIn("endpointslices", namespaces);
            const empty = services.filter((s) => !slices.some((es) => es.metadata.namespace === s.metadata.namespace && es.metadata.labels?.["kubernetes.io/service-name"] === s.metadata.name && (es.endpoints ?? []).some((e: any) => e.conditions?.ready)));
            if (empty.length > 0) throw new Error(`no ready endpoints: ${empty.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).join(", ")}`);
            return true;
        }, 60_000);
    });

    it("every DaemonSet of the local stack has an available pod on every node, tainted ones included", async function () {
        await daemonSetsCoverEveryNode((d) => programNamespaces().some((n) => n.metadata.name === d.metadata.namespace));
    });

    it("no workload's service account reads Secrets outside its namespace, and the app's can do nothing", function () {
        const namespaces = programNamespaces().map((n) => n.metadata.name);
        const allNamespaces = kubectlJson<{ items: Obj[] }>(["get", "namespaces"]).items.map((n) => n.metadata.name);
        const accounts = workloadServiceAccounts(namespaces);
        assert.ok(accounts.length >= 3, `workload service accounts: ${accounts.length}`);
        const questions: AccessQuestion[] = accounts.flatMap((serviceAccount) => [
            { serviceAccount, verb: "list", resource: "secrets" },
            ...allNamespaces.filter((ns) => ns !== serviceAccount.namespace).flatMap((namespace) => ["get", "list", "watch"].map((verb) => ({ serviceAccount, verb, resource: "secrets", namespace }))),
        ]);
        const violations = allowed(questions)
            .map((q) => `${q.serviceAccount.namespace}/${q.serviceAccount.name} (${q.serviceAccount.workload}) can ${q.verb} Secrets ${q.namespace ? `in ${q.namespace}` : "in every namespace"}`);
        assert.deepStrictEqual(violations, []);
        // The Prometheus operator still manages the Secrets of its own namespace, through a Role there (components/monitoring/operator-rbac.ts).
        const operator = accounts.find((a) => a.name === chartServiceAccounts.operator);
        assert.ok(operator, "the Prometheus operator's service account");
        const operatorVerbs = ["get", "list", "watch", "create", "update", "delete"];
        assert.equal(allowed(operatorVerbs.map((verb) => ({ serviceAccount: operator, verb, resource: "secrets", namespace: operator.namespace }))).length, operatorVerbs.length, "the operator cannot manage its own namespace's Secrets");

        // The app's service account is the one program-created Deployments run as (the app needs no API access).
        const local = renderedStack("local");
        const appDeployments = local.objects.filter((o) => o.object.kind === "Deployment").map((o) => o.object as Obj);
        assert.ok(appDeployments.length > 0);
        for (const deployment of appDeployments) {
            const sa = { namespace: deployment.metadata.namespace!, name: deployment.spec.template.spec.serviceAccountName ?? "default" };
            const rules = kubectl(["auth", "can-i", "--list", `--as=system:serviceaccount:${sa.namespace}:${sa.name}`, "--as-group=system:serviceaccounts", `--as-group=system:serviceaccounts:${sa.namespace}`, "-n", sa.namespace]);
            // What every authenticated identity may do (system:basic-user, system:discovery): review itself, discovery URLs.
            const selfReviews = /^(selfsubject(access|rules)reviews\.authorization\.k8s\.io|selfsubjectreviews\.authentication\.k8s\.io)\s/;
            const granted = rules.split("\n").slice(1).filter((line) => line.trim() !== "" && !line.trim().startsWith("[") && !selfReviews.test(line.trim()));
            assert.deepStrictEqual(granted, [], `the app's service account ${sa.namespace}/${sa.name} may do nothing beyond the defaults`);
        }
    });

    it("each namespace's Pod Security level refuses a privileged pod where it should", function () {
        const namespaces = programNamespaces();
        const local = renderedStack("local");
        const workloadNamespaces = new Set(local.objects.filter((o) => ["Deployment", "StatefulSet"].includes(o.object.kind)).map((o) => o.object.metadata.namespace!));
        workloadNamespaces.add(local.releases.find((r) => r.chart.startsWith("redis-ha"))?.namespace ?? "");
        const problems: string[] = [];
        for (const ns of namespaces) {
            const name = ns.metadata.name;
            const level = ns.metadata.labels?.["pod-security.kubernetes.io/enforce"] ?? "privileged";
            if (workloadNamespaces.has(name) && level === "privileged") problems.push(`${name} (the app's or Redis's) enforces no Pod Security level`);
            const pod = {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "e2e-privileged", namespace: name },
                spec: { hostNetwork: true, containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }] },
            };
            const result = run("kubectl", ["create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(pod) });
            const refused = result.status !== 0 && /violates PodSecurity/.test(result.stderr);
            if (result.status !== 0 && !refused) throw new Error(`creating a pod in ${name} failed for another reason: ${result.stderr}`);
            if (level !== "privileged" && !refused) problems.push(`${name} enforces ${level} but admitted a privileged pod`);
            if (level === "privileged" && refused) problems.push(`${name} is labelled privileged but refused a privileged pod`);
        }
        assert.deepStrictEqual(problems, []);
    });
}

/** Every DaemonSet chosen has an available pod on every simulated node. */
async function daemonSetsCoverEveryNode(chosen: (daemonSet: Obj) => boolean): Promise<void> {
    const nodes = simulatedNodes();
    await waitFor("DaemonSets to cover every node", () => {
        const daemonSets = kubectlJson<{ items: Obj[] }>(["get", "daemonsets", "--all-namespaces"]).items.filter(chosen);
        assert.ok(daemonSets.length > 0, "DaemonSets found");
        const short = daemonSets.filter((d) => d.status?.desiredNumberScheduled !== nodes.length || d.status?.numberAvailable !== nodes.length);
        if (short.length > 0) {
            throw new Error(short.map((d) => `${d.metadata.namespace}/${d.metadata.name}: ${d.status?.numberAvailable ?? 0} available of ${d.status?.desiredNumberScheduled ?? 0} scheduled, ${nodes.length} nodes`).join("; "));
        }
        return true;
    }, 60_000);
}

/**
 * Production's shape applied for real in scratch namespaces, on a cluster the local stack has left: its
 * DaemonSets' coverage of the tainted pools, and its Redis under a drain.
 */
export function productionChecks(): void {
    const scratchNamespaces: string[] = [];
    after(function () {
        if (scratchNamespaces.length > 0) kubectl(["delete", "namespace", "--ignore-not-found", "--wait=false", ...scratchNamespaces]);
    });

    it("every production DaemonSet has an available pod on every node, tainted ones included", async function () {
        const scratch = productionInScratch("e2e-prod", (o) => o.kind === "DaemonSet");
        scratchNamespaces.push(...scratch.namespaces.map((n) => n.metadata.name));
        applyAll([...scratch.namespaces, ...scratch.objects]);
        try {
            await daemonSetsCoverEveryNode((d) => d.metadata.namespace!.startsWith("e2e-prod-"));
        } finally {
            deleteAll(scratch.objects);
        }
    });

    it("a drain through the eviction API respects production Redis's PodDisruptionBudget: one eviction proceeds, the one that would break quorum is refused", async function () {
        const redisNamespace = renderedStack("prod").releases.find((r) => r.chart.startsWith("redis-ha"))!.namespace;
        const scratch = productionInScratch("e2e-drain", (o) => o.metadata.namespace === redisNamespace && ["StatefulSet", "PodDisruptionBudget", "ServiceAccount", "Service"].includes(o.kind));
        scratchNamespaces.push(...scratch.namespaces.map((n) => n.metadata.name));
        applyAll([...scratch.namespaces, ...scratch.objects]);
        const ns = `e2e-drain-${redisNamespace}`;
        const cordoned: string[] = [];
        try {
            const statefulSet = scratch.objects.find((o) => o.kind === "StatefulSet")!;
            const replicas = statefulSet.spec.replicas as number;
            assert.ok(replicas >= 3, `production Redis runs ${replicas} servers`);
            const pods = await waitFor(`${replicas} Redis pods ready`, () => {
                const items = kubectlJson<{ items: Obj[] }>(["get", "pods", "-n", ns]).items;
                const ready = items.filter((p) => (p.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True"));
                return ready.length === replicas ? ready : undefined;
            }, 90_000);
            // The PodDisruptionBudgets that cover the Redis servers (the chart's HAProxy has its own).
            const serverLabels: Record<string, string> = statefulSet.spec.template.metadata.labels;
            const covering = (p: Obj) => Object.entries(p.spec.selector?.matchLabels ?? {}).every(([k, v]) => serverLabels[k] === v);
            const serverBudgets = () => kubectlJson<{ items: Obj[] }>(["get", "pdb", "-n", ns]).items.filter(covering);
            const pdb = await waitFor("the PDB to count the pods", () => {
                const items = serverBudgets();
                return items.length > 0 && items.every((p) => p.status?.currentHealthy === replicas) ? items : undefined;
            }, 30_000);
            assert.ok(pdb.length > 0, "production Redis has a PodDisruptionBudget");
            // Drain the first pod's node as `kubectl drain` does: cordon it, then evict.
            const [first, second] = pods;
            kubectl(["cordon", first.spec.nodeName]);
            cordoned.push(first.spec.nodeName);
            const firstEviction = evict(ns, first.metadata.name);
            assert.ok(firstEviction.allowed, `the first eviction proceeds: ${firstEviction.message}`);
            // Its replacement cannot be scheduled (hard anti-affinity, its node cordoned), so quorum rests on the rest.
            await waitFor("the PDB to see one server down", () => serverBudgets().every((p) => p.status?.currentHealthy === replicas - 1) || undefined, 60_000);
            kubectl(["cordon", second.spec.nodeName]);
            cordoned.push(second.spec.nodeName);
            const secondEviction = evict(ns, second.metadata.name);
            assert.ok(!secondEviction.allowed, "the eviction that would leave fewer servers than quorum is refused");
        } finally {
            for (const node of cordoned) kubectl(["uncordon", node]);
            deleteAll(scratch.objects);
        }
    });
}
