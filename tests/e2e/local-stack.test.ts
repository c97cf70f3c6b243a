// The local stack under the real Pulumi engine (local backend, the policy pack, the real Kubernetes provider) on
// the simulated cluster: up creates everything and every readiness wait completes, a preview right after shows no
// change, a config change updates in place, destroy leaves nothing of the program, and up works again. Between
// the first up and the preview, the live cluster is asked what only it can say (live-checks.ts).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { loadBalancerDomain } from "../../scripts/e2e/cluster-objects";
import { kubectl, kubectlJson, projectCopy, pulumiEnv, pulumiOk, waitFor } from "./support/env";
import { liveChecks } from "./support/live-checks";

const stack = "local";

interface StateResource {
    urn: string;
    type: string;
    id?: string;
    outputs?: Record<string, any>;
}

/** The Kubernetes objects the stack's state holds: what must be gone after a destroy. */
function kubernetesObjectsInState(project: string, env: NodeJS.ProcessEnv): { kind: string; apiVersion: string; namespace?: string; name: string; urn: string }[] {
    const exported = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], project, env));
    const resources: StateResource[] = exported.deployment.resources ?? [];
    return resources
        .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:") && r.outputs?.metadata?.name && r.outputs?.kind)
        .map((r) => ({ kind: r.outputs!.kind, apiVersion: r.outputs!.apiVersion, namespace: r.outputs!.metadata.namespace, name: r.outputs!.metadata.name, urn: r.urn }));
}

/** Every object Helm created for the stack's releases, found by the labels and annotations Helm puts on them. */
function helmReleaseObjects(): string[] {
    const kinds = "deployments,statefulsets,daemonsets,services,configmaps,secrets,serviceaccounts,roles,rolebindings,clusterroles,clusterrolebindings,persistentvolumeclaims,poddisruptionbudgets,networkpolicies,jobs";
    const list = kubectlJson<{ items: any[] }>(["get", kinds, "--all-namespaces", "-l", "app.kubernetes.io/managed-by=Helm"]);
    return list.items.map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
}

function previewSteps(project: string, env: NodeJS.ProcessEnv, configFile: string): { op: string; urn: string }[] {
    const out = pulumiOk(["preview", "--stack", stack, "--config-file", configFile, "--policy-pack", "policy", "--json"], project, env);
    return (JSON.parse(out).steps ?? []).map((s: any) => ({ op: s.op, urn: s.urn }));
}

describe("the local stack under the real engine", function () {
    let project: string;
    let env: NodeJS.ProcessEnv;
    let configFile: string;
    let failed = false;

    before(function () {
        project = projectCopy("local-project");
        env = pulumiEnv("local-stack");
        configFile = path.join(project, `Pulumi.${stack}.yaml`);
        pulumiOk(["stack", "init", stack, "--secrets-provider", "passphrase"], project, env);
    });

    // A later step of the lifecycle means nothing once an earlier one failed (the live checks' failures do not stop it).
    function lifecycleStep(title: string, step: () => void | Promise<void>): void {
        it(title, async function () {
            if (failed) this.skip();
            try {
                await step();
            } catch (error) {
                failed = true;
                throw error;
            }
        });
    }

    describe("up", function () {
        lifecycleStep("up with the policy pack creates everything, and every readiness wait completes", function () {
            pulumiOk(["up", "--yes", "--stack", stack, "--config-file", configFile, "--policy-pack", "policy", "--skip-preview"], project, env);
            assert.ok(kubernetesObjectsInState(project, env).length > 10, "the state holds the program's Kubernetes objects");
        });

        lifecycleStep("the url output is the load balancer's hostname once the Service has one (local does not wait for it: an up with --refresh reads it)", function () {
            pulumiOk(["up", "--yes", "--refresh", "--stack", stack, "--config-file", configFile, "--policy-pack", "policy", "--skip-preview"], project, env);
            const outputs = JSON.parse(pulumiOk(["stack", "output", "--stack", stack, "--json"], project, env));
            const services = kubectlJson<{ items: any[] }>(["get", "services", "--all-namespaces", "-l", "app.kubernetes.io/part-of=eks-app"]).items.filter((s) => s.spec.type === "LoadBalancer");
            assert.strictEqual(services.length, 1, "one LoadBalancer Service");
            const hostname = services[0].status.loadBalancer.ingress[0].hostname;
            assert.ok(hostname.endsWith(`.${loadBalancerDomain}`), `the Service's hostname: ${hostname}`);
            assert.strictEqual(outputs.url, `http://${hostname}`);
        });
    });

    describe("the live cluster after the up", function () {
        before(function () {
            if (failed) this.skip();
        });
        liveChecks();
    });

    describe("then", function () {
        lifecycleStep("a preview right after the up shows no change (no perpetual diff)", function () {
            pulumiOk(["preview", "--stack", stack, "--config-file", configFile, "--policy-pack", "policy", "--expect-no-changes"], project, env);
        });

        lifecycleStep("a config change updates in place: no replacement, and the cluster shows the new value", async function () {
            pulumiOk(["config", "set", "--stack", stack, "--config-file", configFile, "eks-app:appMinReplicas", "2"], project, env);
            const steps = previewSteps(project, env, configFile);
            const changed = steps.filter((s) => s.op !== "same");
            assert.ok(changed.some((s) => s.op === "update"), `an update is planned: ${JSON.stringify(changed)}`);
            const replacing = changed.filter((s) => /replace|delete/.test(s.op));
            assert.deepStrictEqual(replacing, [], "nothing is replaced or deleted");
            pulumiOk(["up", "--yes", "--stack", stack, "--config-file", configFile, "--policy-pack", "policy", "--skip-preview"], project, env);
            const hpas = kubectlJson<{ items: any[] }>(["get", "hpa", "--all-namespaces"]).items;
            assert.ok(hpas.some((h) => h.spec.minReplicas === 2), `an HPA has minReplicas 2: ${hpas.map((h) => `${h.metadata.name}=${h.spec.minReplicas}`)}`);
            pulumiOk(["preview", "--stack", stack, "--config-file", configFile, "--policy-pack", "policy", "--expect-no-changes"], project, env);
        });

        lifecycleStep("destroy leaves no object of the program in the cluster", async function () {
            const objects = kubernetesObjectsInState(project, env);
            const helmObjects = helmReleaseObjects();
            assert.ok(helmObjects.length > 0, "the releases created objects");
            pulumiOk(["destroy", "--yes", "--stack", stack, "--config-file", configFile, "--skip-preview"], project, env);
            await waitFor(
                "every object of the program to be gone",
                () => {
                    const left = objects.filter((o) => {
                        const args = ["get", `${o.kind}.${o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : ""}`.replace(/\.$/, ""), o.name, "--ignore-not-found", "-o", "name"];
                        if (o.namespace) args.push("-n", o.namespace);
                        return kubectl(args).trim() !== "";
                    });
                    const helmLeft = helmReleaseObjects();
                    if (left.length > 0 || helmLeft.length > 0) throw new Error(`left: ${[...left.map((o) => `${o.kind} ${o.namespace ?? ""}/${o.name}`), ...helmLeft].join(", ")}`);
                    return true;
                },
                180_000,
                2_000,
            );
            const remaining = JSON.parse(pulumiOk(["stack", "export", "--stack", stack], project, env)).deployment.resources ?? [];
            assert.deepStrictEqual(remaining.map((r: StateResource) => r.type).filter((t: string) => t !== "pulumi:pulumi:Stack" && !t.startsWith("pulumi:providers:")), []);
        });

        lifecycleStep("up after the destroy works, and destroy after it leaves the cluster clean for the next tests", async function () {
            pulumiOk(["up", "--yes", "--stack", stack, "--config-file", configFile, "--policy-pack", "policy", "--skip-preview"], project, env);
            pulumiOk(["destroy", "--yes", "--stack", stack, "--config-file", configFile, "--skip-preview"], project, env);
            await waitFor("the program's namespaces to be gone", () => {
                const namespaces = kubectlJson<{ items: any[] }>(["get", "namespaces", "-l", "app.kubernetes.io/part-of=eks-app"]).items;
                return namespaces.length === 0 || undefined;
            }, 180_000, 2_000);
        });

    });

    after(function () {
        fs.rmSync(project, { recursive: true, force: true });
    });
});
