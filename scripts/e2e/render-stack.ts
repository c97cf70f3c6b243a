// Everything a stack would send to the API server, rendered without a cluster (the mock harness, real Helm):
// the program's own Kubernetes objects and, for each Helm release, the chart rendered with the program's values.
// One stack per process (the harness runs one program per process).
//   ts-node scripts/e2e/render-stack.ts STACK OUT.json
import * as fs from "fs";
import * as path from "path";
import { repositoryRoot, runProgram } from "../../harness";
import { KubernetesObject, renderChart } from "../../harness/helm";
import { kubernetesObjects } from "../manifests/render";

export interface RenderedRelease {
    release: string;
    namespace: string;
    chart: string;
    /** The chart's CRDs (crds/), which a Release installs before its other objects. */
    crds: KubernetesObject[];
    objects: KubernetesObject[];
}

export interface RenderedStack {
    stack: string;
    /** The program's objects; `partial` ones are server-side patches of objects the program does not own. */
    objects: { object: KubernetesObject; partial: boolean; resource: string }[];
    releases: RenderedRelease[];
}

// API groups whose CRDs the program installs (Karpenter's, the Prometheus operator's), so charts render the
// objects they gate on Capabilities.APIVersions;
// apiregistration.k8s.io/v1 too: every cluster serves it, but `helm template` does not list it, so charts would fall
// back to the long-removed v1beta1 APIService.
const apiVersions = ["monitoring.coreos.com/v1", "monitoring.coreos.com/v1alpha1", "karpenter.sh/v1", "karpenter.k8s.aws/v1", "apiregistration.k8s.io/v1"];

export async function renderStack(stack: string): Promise<RenderedStack> {
    const run = await runProgram(stack);
    const objects = kubernetesObjects(run).map(({ object, partial, resource }) => ({ object: object as KubernetesObject, partial, resource: `${resource.type}::${resource.name}` }));
    const releases = run.resources
        .filter((r) => r.type === "kubernetes:helm.sh/v3:Release")
        .map((r) => {
            const chart = path.resolve(repositoryRoot, r.inputs.chart);
            const request = { chart, release: r.inputs.name, namespace: r.inputs.namespace, values: r.inputs.values ?? {}, apiVersions, yaml11: true };
            const all = renderChart({ ...request, includeCrds: true });
            const withoutCrds = renderChart(request);
            const isCrd = (o: KubernetesObject) => o.kind === "CustomResourceDefinition";
            return {
                release: r.inputs.name,
                namespace: r.inputs.namespace,
                chart: path.basename(chart),
                crds: all.filter(isCrd),
                objects: withoutCrds.filter((o) => !isCrd(o)),
            };
        });
    return { stack, objects, releases };
}

if (require.main === module) {
    const [stack, out] = process.argv.slice(2);
    if (!stack || !out) {
        console.error("usage: ts-node scripts/e2e/render-stack.ts STACK OUT.json");
        process.exit(2);
    }
    renderStack(stack).then(
        (rendered) => fs.writeFileSync(out, JSON.stringify(rendered)),
        (error) => {
            console.error(error);
            process.exit(1);
        },
    );
}
