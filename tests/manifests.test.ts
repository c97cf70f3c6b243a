import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { crossObjectFindings } from "../scripts/manifests/cross-object";
import { manifestProblems } from "../scripts/manifests/problems";
import { kubernetesObjects, RenderedObject } from "../scripts/manifests/render";
import { describeObject, isCustomResource, KubernetesObject, validateObjects } from "../scripts/manifests/schema";
import { ProgramRun, repositoryRoot, runProgram } from "../harness";

type AnyRecord = Record<string, any>;
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

function goodDeployment(): KubernetesObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "shop" },
        spec: {
            selector: { matchLabels: { app: "web" } },
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: { app: "web" } },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
                    topologySpreadConstraints: [
                        { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } },
                        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } },
                    ],
                    containers: [
                        {
                            name: "web",
                            image: "registry.example.com/web:1.2.3",
                            ports: [{ name: "http", containerPort: 8080 }],
                            readinessProbe: { httpGet: { path: "/readyz", port: "http" } },
                            livenessProbe: { httpGet: { path: "/healthz", port: "http" } },
                            resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        },
                    ],
                },
            },
        },
    };
}

function goodSet(): KubernetesObject[] {
    return [
        goodDeployment(),
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
        { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "web", namespace: "shop" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } } },
        {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "web", namespace: "shop" },
            spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 4 },
        },
        { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "deny", namespace: "shop" }, spec: { podSelector: {}, policyTypes: ["Ingress"] } },
        { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "shop" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] } },
    ];
}

function checksFor(mutate: (objects: KubernetesObject[]) => void): string[] {
    const objects = goodSet();
    mutate(objects);
    return crossObjectFindings(objects).map((f) => f.check);
}

const container = (objects: KubernetesObject[]): AnyRecord => (objects[0].spec as AnyRecord).template.spec.containers[0];

describe("manifest checks", () => {
    describe("schema validation", () => {
        it("accepts a valid object", async () => {
            assert.deepEqual(await validateObjects(goodSet()), []);
        });

        const broken: [string, (d: AnyRecord) => void, RegExp][] = [
            ["an unknown field", (d) => (container([d as KubernetesObject]).imagePolicy = "Always"), /unknown field "imagePolicy"/],
            ["a misspelt nested field", (d) => (d.spec.template.spec.securityContext.runAsNonroot = true), /securityContext\/runAsNonroot: unknown field/],
            ["a wrong type", (d) => (container([d as KubernetesObject]).ports[0].containerPort = "8080"), /containerPort must be integer/],
            ["a missing required field", (d) => delete d.spec.selector, /must have required property selector/],
            ["an object where a list belongs", (d) => (container([d as KubernetesObject]).env = { A: "1" }), /must be array|array where|an object/],
        ];
        for (const [name, breakIt, message] of broken) {
            it(`rejects ${name}`, async () => {
                const deployment = clone(goodDeployment()) as AnyRecord;
                breakIt(deployment);
                const problems = await validateObjects([deployment as KubernetesObject]);
                assert.ok(problems.some((p) => message.test(p.message)), JSON.stringify(problems));
                assert.equal(problems[0].object, "Deployment shop/web");
            });
        }

        it("rejects an API version Kubernetes 1.34 no longer serves", async () => {
            const problems = await validateObjects([{ apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "old" } }]);
            assert.match(problems[0].message, /extensions\/v1beta1 is not a stable API version served by Kubernetes 1\.34/);
        });

        it("rejects a kind the pinned Kubernetes version does not have", async () => {
            const problems = await validateObjects([{ apiVersion: "apps/v1", kind: "Rollout", metadata: { name: "canary" } }]);
            assert.match(problems[0].message, /apps\/v1 Rollout is not in the Kubernetes 1\.34 schema/);
        });

        it("checks only field names of a patch", async () => {
            const patch: KubernetesObject = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "gp2", annotations: { a: "b" } } };
            assert.deepEqual(await validateObjects([patch], { partial: () => true }), []);
            assert.ok((await validateObjects([patch])).length > 0, "a full StorageClass needs a provisioner");
        });
    });

    it("leaves custom resources to their CRDs' schemas, and validates Kubernetes's own groups", () => {
        assert.deepEqual(
            ["karpenter.sh/v1", "monitoring.coreos.com/v1", "apps/v1", "v1", "networking.k8s.io/v1", "extensions/v1beta1"].map(isCustomResource),
            [true, true, false, false, false, false],
        );
    });

    describe("checks between objects", () => {
        it("finds nothing wrong with a good set", () => {
            assert.deepEqual(crossObjectFindings(goodSet()), []);
        });

        const cases: [string, (objects: KubernetesObject[]) => void][] = [
            ["deployment-replicas-with-hpa", (o) => ((o[0].spec as AnyRecord).replicas = 2)],
            ["deployment-spread", (o) => delete (o[0].spec as AnyRecord).template.spec.topologySpreadConstraints],
            ["pod-network-policy", (o) => o.splice(4, 1)],
            ["service-targets-pod", (o) => ((o[5].spec as AnyRecord).selector = { app: "other" })],
            ["service-target-port", (o) => ((o[5].spec as AnyRecord).ports[0].targetPort = "web")],
            ["hpa-has-target", (o) => ((o[3].spec as AnyRecord).scaleTargetRef.name = "gone")],
            ["pdb-selects-pods", (o) => ((o[2].spec as AnyRecord).selector.matchLabels = { app: "other" })],
        ];
        for (const [check, mutate] of cases) {
            it(`flags ${check}`, () => assert.deepEqual(checksFor(mutate), [check]));
        }
    });

    describe("the program's stacks", () => {
        for (const stack of ["dev", "prod", "local"] as const) {
            it(`${stack} has no schema, policy-pack or cross-object problem`, async () => {
                const run = await runProgram(stack);
                assert.deepEqual(await manifestProblems(stack, kubernetesObjects(run), run.resources), []);
            });
        }

        it("never write a secret value into a rendered manifest", async () => {
            const secrets = kubernetesObjects(await runProgram("dev")).filter((r) => r.object.kind === "Secret");
            assert.ok(secrets.length >= 2);
            for (const { object } of secrets) {
                assert.ok(Object.values(object.stringData as Record<string, string>).every((value) => value === "<redacted>"));
            }
        });
    });

    describe("production with one object weakened, reported through the policy pack", () => {
        let prod: ProgramRun;
        before(async () => {
            prod = await runProgram("prod");
        });

        /** The production app's objects, weakened one way at a time: the check names the pack's policy and the object. */
        const app = (objects: AnyRecord) => objects.spec.template.spec.containers[0];
        const pod = (objects: AnyRecord) => objects.spec.template.spec;
        const weakenings: [policy: string, object: string, weaken: (object: AnyRecord) => void][] = [
            ["k8s-container-resources", "Deployment eks-app/eks-app", (d) => delete app(d).resources.limits],
            ["k8s-container-probes", "Deployment eks-app/eks-app", (d) => delete app(d).readinessProbe],
            ["k8s-distinct-probes", "Deployment eks-app/eks-app", (d) => (app(d).livenessProbe = clone(app(d).readinessProbe))],
            ["k8s-run-as-non-root", "Deployment eks-app/eks-app", (d) => (app(d).securityContext.runAsNonRoot = false)],
            ["k8s-read-only-root-filesystem", "Deployment eks-app/eks-app", (d) => delete app(d).securityContext.readOnlyRootFilesystem],
            ["k8s-no-privileged", "Deployment eks-app/eks-app", (d) => (app(d).securityContext.privileged = true)],
            ["k8s-no-privilege-escalation", "Deployment eks-app/eks-app", (d) => (app(d).securityContext.allowPrivilegeEscalation = true)],
            ["k8s-image-pinned", "Deployment eks-app/eks-app", (d) => (app(d).image = "eks-app:latest")],
            ["k8s-drop-all-capabilities", "Deployment eks-app/eks-app", (d) => (app(d).securityContext.capabilities.drop = ["NET_RAW"])],
            ["k8s-seccomp-profile", "Deployment eks-app/eks-app", (d) => (app(d).securityContext.seccompProfile.type = "Unconfined")],
            ["k8s-high-user-id", "Deployment eks-app/eks-app", (d) => (pod(d).securityContext.runAsUser = 1000)],
            ["k8s-no-service-account-token", "Deployment eks-app/eks-app", (d) => delete pod(d).automountServiceAccountToken],
            ["k8s-rollout-keeps-capacity", "Deployment eks-app/eks-app", (d) => (d.spec.strategy.rollingUpdate.maxUnavailable = 1)],
            ["k8s-namespace-pod-security", "Namespace eks-app", (n) => (n.metadata.labels["pod-security.kubernetes.io/enforce"] = "privileged")],
            ["k8s-load-balancer-opt-in", "Service eks-app/eks-app", (s) => delete s.metadata.annotations["eks-app.io/public"]],
            ["storage-class-encrypted", "StorageClass gp3", (c) => (c.parameters.encrypted = "false")],
        ];
        /** What the check finds in prod with each object changed by `change` (a copy; undefined leaves the object out). */
        async function prodProblems(change: (object: AnyRecord) => AnyRecord | undefined): Promise<string[]> {
            const rendered = kubernetesObjects(prod).flatMap((r): RenderedObject[] => {
                const object = change(clone(r.object));
                return object ? [{ ...r, object: object as KubernetesObject }] : [];
            });
            return (await manifestProblems("prod", rendered, prod.resources)).map((p) => `${p.check}: ${p.object}`);
        }

        for (const [policy, target, weaken] of weakenings) {
            it(`reports ${policy}`, async () => {
                const problems = await prodProblems((object) => {
                    if (describeObject(object as KubernetesObject) === target) weaken(object);
                    return object;
                });
                assert.deepEqual(problems, [`${policy}: ${target}`]);
            });
        }

        it("reports k8s-pdb-for-replicated-deployments on the app when its PodDisruptionBudget is gone", async () => {
            const problems = await prodProblems((object) => (object.kind === "PodDisruptionBudget" ? undefined : object));
            assert.deepEqual(problems, ["k8s-pdb-for-replicated-deployments: Deployment eks-app/eks-app"]);
        });
    });

    describe("npm run check:manifests", () => {
        /** What the npm script runs (package.json), without npm around it. */
        const checkManifests = ["-r", "./harness/ts-register.js", "scripts/check-manifests.ts"];

        it("writes YAML to the folder given and exits zero for a good stack", () => {
            const out = fs.mkdtempSync(path.join(os.tmpdir(), "manifests-"));
            const output = execFileSync(process.execPath, [...checkManifests, "--stack", "local", "--out", out], { cwd: repositoryRoot, encoding: "utf8" });
            assert.match(output, /local: \d+ objects written .* 0 failed/);
            const files = fs.readdirSync(path.join(out, "local"));
            assert.ok(files.some((f) => f.includes("deployment-eks-app-eks-app")), files.join(", "));
        });

        it("exits 2 with usage when the stack is missing, and names the stack files when it is unknown", () => {
            for (const [args, message] of [
                [[], /^usage: npm run check:manifests -- --stack <stack> \| --config-file <file> \| --all/],
                [["--stack", "staging"], /^no stack staging: there is no Pulumi\.staging\.yaml; stack files found: .*Pulumi\.dev\.yaml/],
                [["--stack", "dev", "--strict"], /^unknown argument --strict\nusage:/],
            ] as const) {
                try {
                    execFileSync(process.execPath, [...checkManifests, ...args], { cwd: repositoryRoot, encoding: "utf8", stdio: "pipe" });
                    assert.fail(`accepted ${args.join(" ")}`);
                } catch (error) {
                    assert.equal((error as { status: number }).status, 2);
                    assert.match(String((error as { stderr: string }).stderr), message);
                }
            }
        });
    });
});
