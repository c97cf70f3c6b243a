import { ecrImmutableTags, ecrScanOnPush } from "../../../policy/rules/ecr";
import { FakeResource, PolicyCases, unknownDuringPreview } from "../support";

const repository = (props: Record<string, unknown>): FakeResource => ({ type: "aws:ecr/repository:Repository", name: "app", props });
const hardened = { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } };

export const ecrCases: PolicyCases[] = [
    {
        policy: ecrImmutableTags,
        passing: [{ title: "an immutable repository", resources: [repository(hardened)] }],
        failing: [
            {
                title: "a repository that leaves mutability to the default",
                resources: [repository({ imageScanningConfiguration: { scanOnPush: true } })],
                messages: [/^aws:ecr\/repository:Repository "app": image tags can be overwritten \(imageTagMutability is unset, which means MUTABLE\)\. Fix: set imageTagMutability: "IMMUTABLE"/],
            },
            {
                title: "a mutable repository",
                resources: [repository({ ...hardened, imageTagMutability: "MUTABLE" })],
                messages: [/^aws:ecr\/repository:Repository "app": image tags can be overwritten \(imageTagMutability is "MUTABLE"\)\. Fix:/],
            },
        ],
        unknownDuringPreview: [{ title: "tag mutability", resources: [repository({ ...hardened, imageTagMutability: unknownDuringPreview.string })] }],
    },
    {
        policy: ecrScanOnPush,
        passing: [{ title: "a repository that scans on push", resources: [repository(hardened)] }],
        failing: [
            {
                title: "a repository without scanning configuration",
                resources: [repository({ imageTagMutability: "IMMUTABLE" })],
                messages: [/^aws:ecr\/repository:Repository "app": pushed images are not scanned for vulnerabilities\. Fix: set imageScanningConfiguration: \{ scanOnPush: true \}/],
            },
            {
                title: "scanning turned off",
                resources: [repository({ ...hardened, imageScanningConfiguration: { scanOnPush: false } })],
                messages: [/^aws:ecr\/repository:Repository "app": pushed images are not scanned/],
            },
        ],
        unknownDuringPreview: [
            { title: "scanOnPush", resources: [repository({ ...hardened, imageScanningConfiguration: { scanOnPush: unknownDuringPreview.boolean } })] },
            { title: "scanning configuration", resources: [repository({ ...hardened, imageScanningConfiguration: unknownDuringPreview.object })] },
        ],
    },
];
