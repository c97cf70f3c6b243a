// Persistent volumes a Helm chart creates from its values. Helm releases are opaque under mocks (no chart is
// rendered here), so each chart the program deploys needs an entry: a rule that reads its values, or the reason
// it creates none. A chart with no entry is reported as unpriced, so a new release cannot hide a volume.
import { UnpricedError } from "./model";

export interface ChartVolume {
    /** The claim name the chart's StatefulSet gives it, when predictable (to not count a claim the program declares). */
    claimName?: string;
    sizeGiBQuantity: string;
    storageClass?: string;
    what: string;
}

type ValuesReader = (values: Record<string, any>, release: string) => ChartVolume[];
export type ChartRule = { volumes: ValuesReader } | { none: string };

const times = <T>(count: number, make: (index: number) => T): T[] => Array.from({ length: count }, (_, index) => make(index));

/** A chart value at a dotted path, or the chart's default (as in its values.yaml) when the program does not set it. */
function at(values: Record<string, any>, path: string, chartDefault: unknown): any {
    const found = path.split(".").reduce<any>((node, key) => (node === undefined || node === null ? undefined : node[key]), values);
    return found ?? chartDefault;
}

export const chartRules: Record<string, ChartRule> = {
    // redis-ha 4.x: a StatefulSet "<release>-server" with volumeClaimTemplate "data" per replica (defaults 3 × 10Gi).
    "redis-ha": {
        volumes: (values, release) =>
            at(values, "persistentVolume.enabled", true)
                ? times(Number(at(values, "replicas", 3)), (ordinal) => ({
                      claimName: `data-${release}-server-${ordinal}`,
                      sizeGiBQuantity: at(values, "persistentVolume.size", "10Gi"),
                      storageClass: at(values, "persistentVolume.storageClass", undefined),
                      what: `Redis server ${ordinal}`,
                  }))
                : [],
    },
    // kube-prometheus-stack: Prometheus and Alertmanager keep data only with a volumeClaimTemplate; Grafana with persistence.
    "kube-prometheus-stack": {
        volumes: (values) => {
            const template = (path: string) => at(values, `${path}.volumeClaimTemplate.spec`, undefined);
            const prometheus = template("prometheus.prometheusSpec.storageSpec");
            const alertmanager = template("alertmanager.alertmanagerSpec.storage");
            return [
                ...(prometheus
                    ? times(Number(at(values, "prometheus.prometheusSpec.replicas", 1)), (index) => ({
                          sizeGiBQuantity: prometheus.resources.requests.storage,
                          storageClass: prometheus.storageClassName,
                          what: `Prometheus ${index}`,
                      }))
                    : []),
                ...(alertmanager
                    ? times(Number(at(values, "alertmanager.alertmanagerSpec.replicas", 1)), (index) => ({
                          sizeGiBQuantity: alertmanager.resources.requests.storage,
                          storageClass: alertmanager.storageClassName,
                          what: `Alertmanager ${index}`,
                      }))
                    : []),
                ...(at(values, "grafana.persistence.enabled", false)
                    ? [{ sizeGiBQuantity: at(values, "grafana.persistence.size", "10Gi"), storageClass: at(values, "grafana.persistence.storageClassName", undefined), what: "Grafana" }]
                    : []),
            ];
        },
    },
    // grafana/loki (18.x vendored): a volume per monolithic replica (mode "Monolithic", formerly "SingleBinary"), or per
    // write and backend replica in "SimpleScalable"; "Distributed" has no rule yet. Chart default: 10Gi each.
    loki: {
        volumes: (values) => {
            const mode = at(values, "deploymentMode", "Monolithic");
            const targets = ["Monolithic", "SingleBinary"].includes(mode) ? ["singleBinary"] : mode === "SimpleScalable" ? ["write", "backend"] : undefined;
            if (targets === undefined) throw new UnpricedError(`loki deploymentMode ${mode} has no rule in cost/helm-volumes.ts`);
            return targets.flatMap((target) =>
                at(values, `${target}.persistence.enabled`, true) === false
                    ? []
                    : // The chart's replicas default (0) means "not set on the workload", which runs one.
                      times(Math.max(1, Number(at(values, `${target}.replicas`, target === "singleBinary" ? 1 : 3))), (index) => ({
                          sizeGiBQuantity: at(values, `${target}.persistence.size`, "10Gi"),
                          storageClass: at(values, `${target}.persistence.storageClass`, undefined),
                          what: `Loki ${target} ${index}`,
                      })),
            );
        },
    },
    "karpenter-crd": { none: "CustomResourceDefinitions only" },
    alloy: { none: "a collector with its buffer in the pod's own storage (storagePath /tmp): no volumes" },
    "prometheus-adapter": { none: "a Deployment serving the metrics APIs: no volumes" },
    karpenter: { none: "a controller Deployment: no volumes (the nodes it launches are not registered resources)" },
};

/** The chart's name from Release inputs: "redis-ha", "oci://…/karpenter" or a vendored "charts/loki-6.1.0.tgz". */
export function chartName(chart: string): string {
    const base = chart.split("/").pop() ?? chart;
    return base.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+.*$/, "");
}
