import { unknownValue, valueAt } from "../lib/properties";
import { CheckedResource, ReportProblem, resourceRule } from "../lib/rule";

const launchTemplateType = "aws:ec2/launchTemplate:LaunchTemplate";

/** Runs a metadata-service check unless the template turns the service off, which needs no further hardening. */
function whenMetadataServiceOn(check: (metadataOptions: unknown, report: ReportProblem) => void) {
    return (resource: CheckedResource, report: ReportProblem) => {
        const metadataOptions = resource.props.metadataOptions;
        const endpoint = valueAt(metadataOptions, "httpEndpoint");
        if (metadataOptions === unknownValue || endpoint === unknownValue || endpoint === "disabled") return;
        check(metadataOptions, report);
    };
}

export const launchTemplateImdsv2 = resourceRule({
    name: "launch-template-imdsv2",
    description: "Launch templates require IMDSv2 (session tokens), which blocks credential theft through request forgery.",
    resourceTypes: [launchTemplateType],
    check: whenMetadataServiceOn((metadataOptions, report) => {
        const httpTokens = valueAt(metadataOptions, "httpTokens");
        if (httpTokens === unknownValue || httpTokens === "required") return;
        report("instances accept IMDSv1 requests without a session token", 'set metadataOptions.httpTokens: "required"');
    }),
});

export const launchTemplateImdsHopLimit = resourceRule({
    name: "launch-template-imds-hop-limit",
    description: "Launch templates set the metadata hop limit to 1, so pods cannot reach the node's credentials.",
    resourceTypes: [launchTemplateType],
    check: whenMetadataServiceOn((metadataOptions, report) => {
        const hopLimit = valueAt(metadataOptions, "httpPutResponseHopLimit");
        if (hopLimit === unknownValue || hopLimit === 1) return;
        const setting = hopLimit === undefined ? "unset (the AMI decides, often 2)" : String(hopLimit);
        report(
            `the metadata hop limit is ${setting}, so pods can reach the node's IAM credentials`,
            "set metadataOptions.httpPutResponseHopLimit: 1",
        );
    }),
});

export const nodePolicies = [launchTemplateImdsv2, launchTemplateImdsHopLimit];
