// Every custom resource is created after the Helm release that installs its CRD: a chart's objects of a kind
// another release defines (Loki's ServiceMonitor, kube-prometheus-stack's CRD) and the program's own custom
// resources. Without that order the first `pulumi up` fails with "no matches for kind" (seen under the real engine
// in the end-to-end suite), since the engine creates unrelated resources in parallel.
import * as assert from "assert";
import * as path from "path";
import { repositoryRoot, runProgram } from "../harness";
import { DependencyGraph } from "../harness/graph";
import { renderChart } from "../harness/helm";
import type { RegisteredResource } from "../harness/run";

const kindKey = (apiVersion: string, kind: string) => `${apiVersion.split("/")[0]}/${kind}`;

for (const stack of ["dev", "prod", "local"]) {
    describe(`${stack}: custom resources wait for the release that installs their CRD`, function () {
        this.timeout(300_000);

        it("every chart object and program custom resource of a release-installed kind depends on that release", async function () {
            const run = await runProgram(stack);
            const graph = new DependencyGraph(run);
            const releases = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            const render = (release: RegisteredResource, includeCrds: boolean) =>
                renderChart({
                    chart: path.resolve(repositoryRoot, release.inputs.chart),
                    release: release.inputs.name,
                    namespace: release.inputs.namespace,
                    values: release.inputs.values ?? {},
                    includeCrds,
                    apiVersions: ["monitoring.coreos.com/v1", "karpenter.sh/v1", "karpenter.k8s.aws/v1"],
                });
            // Which release installs each CRD kind (group/kind).
            const installer = new Map<string, RegisteredResource>();
            for (const release of releases) {
                for (const crd of render(release, true).filter((o) => o.kind === "CustomResourceDefinition")) {
                    installer.set(`${crd.spec.group}/${crd.spec.names.kind}`, release);
                }
            }
            assert.ok(installer.size > 0, "some release installs CRDs");

            const problems: string[] = [];
            for (const release of releases) {
                const kinds = new Set(render(release, false).map((o) => kindKey(o.apiVersion, o.kind)));
                for (const kind of kinds) {
                    const owner = installer.get(kind);
                    if (owner && owner !== release && !graph.deletedBefore(release, owner)) problems.push(`release ${release.name} creates ${kind} but does not depend on release ${owner.name}, which installs it`);
                }
            }
            for (const resource of run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && typeof r.inputs.apiVersion === "string")) {
                const owner = installer.get(kindKey(resource.inputs.apiVersion, resource.inputs.kind));
                if (owner && !graph.deletedBefore(resource, owner)) problems.push(`${resource.type} ${resource.name} does not depend on release ${owner.name}, which installs its CRD`);
            }
            assert.deepStrictEqual(problems, []);
        });
    });
}
