// NetworkPolicy semantics (networking.k8s.io/v1), enough to ask "would this flow between two pods be admitted?"
// of rendered objects: https://kubernetes.io/docs/concepts/services-networking/network-policies/

type Labels = Record<string, string>;

interface LabelSelector {
    matchLabels?: Labels;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

interface Peer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: unknown;
}

interface Rule {
    ports?: { protocol?: string; port?: number | string; endPort?: number }[];
    from?: Peer[];
    to?: Peer[];
}

export interface NetworkPolicyObject {
    metadata: { namespace?: string };
    spec: { podSelector: LabelSelector; policyTypes?: string[]; ingress?: Rule[]; egress?: Rule[] };
}

/** A pod as policies see it: its labels and its namespace's labels. */
export interface PodEndpoint {
    namespace: string;
    labels: Labels;
}

/** A connection to a container port, by number and (when the container names it) by name. */
export interface Flow {
    from: PodEndpoint;
    to: PodEndpoint;
    port: number;
    portName?: string;
    protocol?: string;
}

export function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
    if (!selector) return true;
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
    const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
        switch (operator) {
            case "In":
                return key in labels && values.includes(labels[key]);
            case "NotIn":
                return !(key in labels) || !values.includes(labels[key]);
            case "Exists":
                return key in labels;
            case "DoesNotExist":
                return !(key in labels);
        }
    });
    return byLabels && byExpressions;
}

/** Kubernetes labels every namespace with its own name. */
const namespaceLabels = (namespace: string): Labels => ({ "kubernetes.io/metadata.name": namespace });

function peerMatches(peer: Peer, policyNamespace: string, pod: PodEndpoint): boolean {
    if (peer.ipBlock) return false;
    const namespaceOk = peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels(pod.namespace)) : pod.namespace === policyNamespace;
    return namespaceOk && selects(peer.podSelector, pod.labels);
}

function portMatches(rule: Rule, flow: Flow): boolean {
    if (!rule.ports || rule.ports.length === 0) return true;
    return rule.ports.some(({ protocol = "TCP", port, endPort }) => {
        if (protocol !== (flow.protocol ?? "TCP")) return false;
        if (port === undefined) return true;
        if (typeof port === "string") return port === flow.portName;
        return endPort === undefined ? port === flow.port : flow.port >= port && flow.port <= endPort;
    });
}

function policyTypes(policy: NetworkPolicyObject): string[] {
    return policy.spec.policyTypes ?? (policy.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
}

function isolatedBy(policies: NetworkPolicyObject[], pod: PodEndpoint, direction: "Ingress" | "Egress"): NetworkPolicyObject[] {
    return policies.filter(
        (policy) => (policy.metadata.namespace ?? "default") === pod.namespace && policyTypes(policy).includes(direction) && selects(policy.spec.podSelector, pod.labels),
    );
}

/** Whether the policies isolating one end of the flow (none: all traffic) have a rule admitting the other end. */
function directionAdmits(policies: NetworkPolicyObject[], flow: Flow, direction: "Ingress" | "Egress"): boolean {
    const [isolated, peer] = direction === "Ingress" ? [flow.to, flow.from] : [flow.from, flow.to];
    const applying = isolatedBy(policies, isolated, direction);
    return (
        applying.length === 0 ||
        applying.some((policy) =>
            ((direction === "Ingress" ? policy.spec.ingress : policy.spec.egress) ?? []).some((rule) => {
                const peers = direction === "Ingress" ? rule.from : rule.to;
                return portMatches(rule, flow) && (!peers || peers.length === 0 || peers.some((candidate) => peerMatches(candidate, isolated.namespace, peer)));
            }),
        )
    );
}

/** Whether both the source's egress policies and the destination's ingress policies admit the flow. */
export function admits(policies: NetworkPolicyObject[], flow: Flow): boolean {
    return directionAdmits(policies, flow, "Ingress") && directionAdmits(policies, flow, "Egress");
}
