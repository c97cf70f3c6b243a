import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface RegistryArgs {
    /** A fixed name (eks-app-<stack>), so deploy permissions can be scoped to it. */
    repositoryName: string;
    /** How many tagged images the lifecycle policy keeps (config: ecrKeepTaggedImages). */
    keepTaggedImages: number;
    /** Lets `pulumi destroy` delete a repository that still holds images; staging only. */
    forceDelete: boolean;
}

/** Lifecycle rules: untagged layers go after a day, and only the newest tagged images are kept. */
export function lifecyclePolicy(keepTaggedImages: number) {
    return {
        rules: [
            {
                rulePriority: 1,
                description: "Expire untagged images after one day",
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 1 },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `Keep the ${keepTaggedImages} most recent tagged images`,
                selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keepTaggedImages },
                action: { type: "expire" },
            },
        ],
    };
}

/** The app's image repository: immutable tags (a tag is a commit), scanned on push, KMS-encrypted. */
export class Registry extends pulumi.ComponentResource {
    readonly repositoryUrl: pulumi.Output<string>;
    readonly repositoryName: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:platform:Registry", name, {}, opts);

        const repository = new aws.ecr.Repository(
            name,
            {
                name: args.repositoryName,
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                forceDelete: args.forceDelete,
            },
            { parent: this },
        );

        new aws.ecr.LifecyclePolicy(
            name,
            { repository: repository.name, policy: JSON.stringify(lifecyclePolicy(args.keepTaggedImages)) },
            { parent: this },
        );

        this.repositoryUrl = repository.repositoryUrl;
        this.repositoryName = repository.name;
        this.registerOutputs({ repositoryUrl: this.repositoryUrl, repositoryName: this.repositoryName });
    }
}
