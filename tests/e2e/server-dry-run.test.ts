// Every object of every stack, as the real API server takes it: the program's own objects, every chart rendered
// with the program's values and every custom resource, sent with server-side dry-run after the vendored CRDs are
// installed and the namespaces exist labelled as the program labels them. Schemas, CEL rules, defaulting and
// admission are the server's; each workload's pod template is also sent as a Pod, so Pod Security admission
// decides on it in its namespace.
import * as assert from "assert";
import { kubectl, kubectlJson, run, waitFor } from "./support/env";
import { renderedStack, stacks } from "./support/rendered";

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: any }; [k: string]: any };

const fieldManager = "eks-app-e2e";

function applyForReal(objects: Obj[]): void {
    if (objects.length === 0) return;
    kubectl(["apply", "--server-side", "--force-conflicts", `--field-manager=${fieldManager}`, "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
}

/** Rendered Secrets carry "<redacted>" values; base64 stand-ins keep them well-formed. */
function sendable(object: Obj): Obj {
    if (object.kind !== "Secret" || !object.data) return object;
    return { ...object, data: Object.fromEntries(Object.keys(object.data).map((k) => [k, Buffer.from("redacted").toString("base64")])) };
}

/** Server-side dry-run of one object; the server's refusal, or undefined when it accepts. */
function dryRun(object: Obj): string | undefined {
    const result = run("kubectl", ["apply", "--server-side", "--dry-run=server", "--force-conflicts", `--field-manager=${fieldManager}`, "-f", "-"], { input: JSON.stringify(sendable(object)) });
    return result.status === 0 ? undefined : result.stderr.trim();
}

const podTemplateKinds = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

/** The Pod a workload's controller would create, for Pod Security admission to judge. */
function podOf(workload: Obj, namespace: string): Obj | undefined {
    const template = workload.kind === "CronJob" ? workload.spec?.jobTemplate?.spec?.template : workload.spec?.template;
    if (!podTemplateKinds.has(workload.kind) && workload.kind !== "CronJob") return undefined;
    if (!template?.spec) return undefined;
    // A StatefulSet's controller adds a volume per claim template, named as the template.
    const claimVolumes = (workload.kind === "StatefulSet" ? (workload.spec.volumeClaimTemplates ?? []) : []).map((claim: Obj) => ({
        name: claim.metadata.name,
        persistentVolumeClaim: { claimName: `${claim.metadata.name}-${workload.metadata.name}-0` },
    }));
    const spec = { ...template.spec, volumes: [...(template.spec.volumes ?? []), ...claimVolumes] };
    return { apiVersion: "v1", kind: "Pod", metadata: { name: `${workload.metadata.name}-e2e`.slice(0, 63), namespace, labels: template.metadata?.labels }, spec };
}

describe("every object of every stack is accepted by the real API server (server-side dry-run)", function () {
    before(async function () {
        // The vendored CRDs (Karpenter's, the Prometheus operator's, any other chart's), installed for real.
        const crds = new Map<string, Obj>();
        for (const stack of stacks) for (const release of renderedStack(stack).releases) for (const crd of release.crds) crds.set(crd.metadata.name, crd as Obj);
        assert.ok([...crds.keys()].some((n) => n.endsWith("karpenter.sh")), "Karpenter's CRDs are among them");
        assert.ok([...crds.keys()].some((n) => n.endsWith("monitoring.coreos.com")), "the Prometheus operator's CRDs are among them");
        applyForReal([...crds.values()]);
        await waitFor("the CRDs to be established", () => {
            const pending = kubectlJson<{ items: Obj[] }>(["get", "crd"]).items.filter((c) => crds.has(c.metadata.name) && !(c.status?.conditions ?? []).some((x: any) => x.type === "Established" && x.status === "True"));
            return pending.length === 0 || undefined;
        }, 60_000);
    });

    for (const stack of stacks) {
        it(`${stack}: the program's objects, its charts' objects and its workloads' pods are admitted`, function () {
            const rendered = renderedStack(stack);
            const ownNamespaces = rendered.objects.filter((o) => o.object.kind === "Namespace").map((o) => o.object as Obj);
            // The namespaces, labelled as this stack labels them (applied for real: objects need them to exist).
            applyForReal(ownNamespaces);
            const releaseNamespaces = [...new Set(rendered.releases.map((r) => r.namespace))];
            for (const ns of releaseNamespaces) {
                if (kubectl(["get", "namespace", ns, "--ignore-not-found", "-o", "name"]).trim() === "") applyForReal([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }]);
            }

            // Service accounts exist for real too: admission refuses a Pod whose service account does not.
            const serviceAccounts = [
                ...rendered.objects.filter((o) => o.object.kind === "ServiceAccount").map((o) => o.object as Obj),
                ...rendered.releases.flatMap((r) => r.objects.filter((o) => o.kind === "ServiceAccount").map((o) => ({ ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? r.namespace } }) as Obj)),
            ];
            applyForReal(serviceAccounts);

            const refusals: string[] = [];
            let sent = 0;
            const check = (object: Obj, origin: string) => {
                sent += 1;
                const refusal = dryRun(object);
                if (refusal) refusals.push(`${origin} ${object.kind} ${object.metadata.namespace ?? ""}/${object.metadata.name}: ${refusal}`);
                const pod = podOf(object, object.metadata.namespace ?? "default");
                if (pod) {
                    sent += 1;
                    const podRefusal = dryRun(pod);
                    if (podRefusal) refusals.push(`${origin} ${object.kind} ${object.metadata.namespace}/${object.metadata.name}'s pod: ${podRefusal}`);
                }
            };
            for (const { object, partial } of rendered.objects) {
                if (object.kind === "Namespace") continue;
                // A patch of an object the program does not own (an EKS-managed one) is checked where that object exists.
                if (partial && kubectl(["get", object.kind, object.metadata.name, ...(object.metadata.namespace ? ["-n", object.metadata.namespace] : []), "--ignore-not-found", "-o", "name"]).trim() === "") continue;
                check(object as Obj, "program");
            }
            for (const release of rendered.releases) {
                for (const object of release.objects) {
                    const namespaced = object.metadata.namespace ?? (isClusterScoped(object.kind) ? undefined : release.namespace);
                    check({ ...object, metadata: { ...object.metadata, ...(namespaced ? { namespace: namespaced } : {}) } } as Obj, `chart ${release.chart}`);
                }
            }
            assert.ok(sent > 20, `${stack}: ${sent} objects sent`);
            assert.deepStrictEqual(refusals, [], `${stack}: ${refusals.length} of ${sent} refused`);
        });
    }
});

const clusterScopedKinds = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService", "NodePool", "EC2NodeClass", "PersistentVolume", "IngressClass", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);
function isClusterScoped(kind: string): boolean {
    return clusterScopedKinds.has(kind);
}
