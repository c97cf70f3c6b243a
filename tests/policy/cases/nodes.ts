import { launchTemplateImdsHopLimit, launchTemplateImdsv2 } from "../../../policy/rules/nodes";
import { FakeResource, PolicyCases, unknownDuringPreview } from "../support";

const launchTemplate = (metadataOptions?: unknown): FakeResource => ({
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    name: "cluster-nodes",
    props: metadataOptions === undefined ? {} : { metadataOptions },
});
const hardened = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 };

export const nodeCases: PolicyCases[] = [
    {
        policy: launchTemplateImdsv2,
        passing: [
            { title: "IMDSv2 required", resources: [launchTemplate(hardened)] },
            { title: "the metadata service turned off", resources: [launchTemplate({ httpEndpoint: "disabled" })] },
        ],
        failing: [
            {
                title: "no metadata options (IMDSv1 allowed)",
                resources: [launchTemplate()],
                messages: [/^aws:ec2\/launchTemplate:LaunchTemplate "cluster-nodes": instances accept IMDSv1 requests without a session token\. Fix: set metadataOptions\.httpTokens: "required"/],
            },
            {
                title: "tokens optional",
                resources: [launchTemplate({ ...hardened, httpTokens: "optional" })],
                messages: [/^aws:ec2\/launchTemplate:LaunchTemplate "cluster-nodes": instances accept IMDSv1/],
            },
        ],
        unknownDuringPreview: [
            { title: "token setting", resources: [launchTemplate({ ...hardened, httpTokens: unknownDuringPreview.string })] },
            { title: "metadata options", resources: [launchTemplate(unknownDuringPreview.object)] },
        ],
    },
    {
        policy: launchTemplateImdsHopLimit,
        passing: [{ title: "a hop limit of 1", resources: [launchTemplate(hardened)] }],
        failing: [
            {
                title: "a hop limit of 2",
                resources: [launchTemplate({ ...hardened, httpPutResponseHopLimit: 2 })],
                messages: [/^aws:ec2\/launchTemplate:LaunchTemplate "cluster-nodes": the metadata hop limit is 2, so pods can reach the node's IAM credentials\. Fix: set metadataOptions\.httpPutResponseHopLimit: 1/],
            },
            {
                title: "no hop limit",
                resources: [launchTemplate({ httpTokens: "required" })],
                messages: [/^aws:ec2\/launchTemplate:LaunchTemplate "cluster-nodes": the metadata hop limit is unset .*Fix: set metadataOptions\.httpPutResponseHopLimit: 1/],
            },
        ],
        unknownDuringPreview: [{ title: "hop limit", resources: [launchTemplate({ ...hardened, httpPutResponseHopLimit: unknownDuringPreview.number })] }],
    },
];
