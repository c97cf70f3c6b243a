import { helmChartVersionPinned } from "../../../policy/rules/helm";
import { FakeResource, PolicyCases, unknownDuringPreview } from "../support";

const release = (version: unknown, chart: unknown = "redis-ha"): FakeResource => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "redis",
    props: { chart, repositoryOpts: { repo: "https://dandydeveloper.github.io/charts" }, ...(version === undefined ? {} : { version }) },
});

export const helmCases: PolicyCases[] = [
    {
        policy: helmChartVersionPinned,
        passing: [
            {
                title: "exact versions (one v-prefixed, one pre-release) and a chart from the repository's own tree",
                resources: [
                    release("4.38.0"),
                    { type: "kubernetes:helm.sh/v4:Chart", name: "cert-manager", props: { chart: "oci://quay.io/jetstack/charts/cert-manager", version: "v1.16.2" } },
                    { type: "kubernetes:helm.sh/v3:Chart", name: "tool", props: { chart: "tool", version: "1.0.0-rc.1", fetchOpts: { repo: "https://charts.example.com" } } },
                    release(undefined, "./charts/internal"),
                    { type: "kubernetes:helm.sh/v3:Chart", name: "local", props: { path: "./charts/local" } },
                ],
            },
        ],
        failing: [
            {
                title: "a release without a version",
                resources: [release(undefined)],
                messages: [/^kubernetes:helm\.sh\/v3:Release "redis": chart "redis-ha" has no version, .*Fix: set version to one exact chart version, e\.g\. "4\.38\.0"/],
            },
            {
                title: "ranges and partial versions",
                resources: [
                    release("^4.38.0"),
                    { type: "kubernetes:helm.sh/v4:Chart", name: "ingress", props: { chart: "ingress-nginx", version: "4.x" } },
                    { type: "kubernetes:helm.sh/v3:Chart", name: "tool", props: { chart: "tool", version: "1.2" } },
                ],
                messages: [
                    /^kubernetes:helm\.sh\/v3:Release "redis": chart "redis-ha" version "\^4\.38\.0" is not one exact version\. Fix: set version/,
                    /^kubernetes:helm\.sh\/v4:Chart "ingress": chart "ingress-nginx" version "4\.x" is not one exact version\. Fix:/,
                    /^kubernetes:helm\.sh\/v3:Chart "tool": chart "tool" version "1\.2" is not one exact version\. Fix:/,
                ],
            },
        ],
        unknownDuringPreview: [
            { title: "version", resources: [release(unknownDuringPreview.string)] },
            { title: "chart", resources: [release(undefined, unknownDuringPreview.string)] },
        ],
    },
];
