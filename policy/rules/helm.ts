import { unknownValue } from "../lib/properties";
import { resourceRule } from "../lib/rule";

/** One exact version (semver, optionally v-prefixed as some charts are); ranges, wildcards and partial versions fail. */
const exactChartVersion = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** A chart in the repository's own tree: its version is whatever is committed. */
function isLocalChart(chart: string): boolean {
    return chart.startsWith("./") || chart.startsWith("../") || chart.startsWith("/");
}

export const helmChartVersionPinned = resourceRule({
    name: "helm-chart-version-pinned",
    description: "Helm releases and charts fetched from a repository are pinned to one exact chart version.",
    resourceTypes: ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart"],
    check(resource, report) {
        const { chart, version } = resource.props;
        // A v3 Chart from a local path has no `chart`; neither has anything fetched.
        if (typeof chart !== "string" || isLocalChart(chart) || version === unknownValue) return;
        if (typeof version === "string" && exactChartVersion.test(version)) return;
        report(
            version === undefined || version === ""
                ? `chart "${chart}" has no version, so every deploy installs whatever the repository serves as latest`
                : `chart "${chart}" version ${JSON.stringify(version)} is not one exact version`,
            'set version to one exact chart version, e.g. "4.38.0"',
        );
    },
});

export const helmPolicies = [helmChartVersionPinned];
