import { unknownValue, valueAt } from "../lib/properties";
import { resourceRule } from "../lib/rule";

const repositoryType = "aws:ecr/repository:Repository";

export const ecrImmutableTags = resourceRule({
    name: "ecr-immutable-tags",
    description: "ECR repositories have immutable tags, so a deployed tag always means the same image.",
    resourceTypes: [repositoryType],
    check(resource, report) {
        const mutability = resource.props.imageTagMutability;
        if (mutability === unknownValue || mutability === "IMMUTABLE") return;
        const setting = mutability === undefined ? "unset, which means MUTABLE" : `"${String(mutability)}"`;
        report(`image tags can be overwritten (imageTagMutability is ${setting})`, 'set imageTagMutability: "IMMUTABLE"');
    },
});

export const ecrScanOnPush = resourceRule({
    name: "ecr-scan-on-push",
    description: "ECR repositories scan every pushed image for known vulnerabilities.",
    resourceTypes: [repositoryType],
    check(resource, report) {
        const scanOnPush = valueAt(resource.props, "imageScanningConfiguration", "scanOnPush");
        if (scanOnPush === unknownValue || scanOnPush === true) return;
        report("pushed images are not scanned for vulnerabilities", "set imageScanningConfiguration: { scanOnPush: true }");
    },
});

export const ecrPolicies = [ecrImmutableTags, ecrScanOnPush];
