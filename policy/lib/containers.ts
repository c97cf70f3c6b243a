import { listAt, unknownValue, valueAt } from "./properties";
import { ReportProblem, resourceRule } from "./rule";

/** The workload kinds whose pod templates the container policies check. */
export const workloadTypes = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"];

/** A container of a workload's pod template. */
export interface PodContainer {
    /** How messages name it: `container "app"`, `init container "setup"`. */
    label: string;
    /** Where it sits in the workload, for fix messages. */
    path: string;
    /** Main containers run for the pod's life; init containers run to completion before them. */
    main: boolean;
    spec: unknown;
}

function containersOf(podSpec: unknown): PodContainer[] {
    const groups = [
        { field: "containers", kind: "container", main: true },
        { field: "initContainers", kind: "init container", main: false },
    ];
    return groups.flatMap(({ field, kind, main }) => {
        const list = listAt(podSpec, field);
        if (list === unknownValue) return [];
        return list.map((spec, index) => {
            const name = valueAt(spec, "name");
            return {
                label: `${kind} ${typeof name === "string" ? `"${name}"` : index}`,
                path: `spec.template.spec.${field}[${index}]`,
                main,
                spec,
            };
        });
    });
}

export interface ContainerRule {
    name: string;
    description: string;
    check(container: PodContainer, podSpec: unknown, report: ReportProblem): void;
}

/** A policy that checks each container (main and init) of every workload's pod template. */
export function containerRule(rule: ContainerRule) {
    return resourceRule({
        name: rule.name,
        description: rule.description,
        resourceTypes: workloadTypes,
        check(resource, report) {
            const podSpec = valueAt(resource.props, "spec", "template", "spec");
            if (podSpec === unknownValue) return;
            for (const container of containersOf(podSpec)) {
                if (container.spec !== unknownValue) rule.check(container, podSpec, report);
            }
        },
    });
}

/** A container's own security setting, else the pod's (the container's wins, as in Kubernetes). */
export function effectiveSecuritySetting(container: PodContainer, podSpec: unknown, setting: string): unknown {
    return valueAt(container.spec, "securityContext", setting) ?? valueAt(podSpec, "securityContext", setting);
}
