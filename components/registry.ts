import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface RegistryArgs {
    /** The repository's fixed name (eks-app-<stack>), as bootstrap creates it (bootstrap/registry.ts). */
    repositoryName: string;
}

/**
 * The app's image repository, read by name. Bootstrap creates it, once per environment, with its settings (immutable
 * tags, scan on push, KMS encryption, lifecycle): CI pushes the first image before the first `pulumi up`, and a
 * targeted `up` of the repository alone cannot run on an empty stack (the engine refuses a step whose parent or
 * provider is an untargeted create). A destroy leaves it, and its images, in place.
 */
export class Registry extends pulumi.ComponentResource {
    readonly repositoryUrl: pulumi.Output<string>;
    readonly repositoryName: pulumi.Output<string>;

    constructor(name: string, args: RegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:platform:Registry", name, {}, opts);
        // A missing repository fails the preview, naming it: run bootstrap first (bootstrap/README.md).
        const repository = aws.ecr.getRepositoryOutput({ name: args.repositoryName }, { parent: this });
        this.repositoryUrl = repository.repositoryUrl;
        this.repositoryName = repository.name;
        this.registerOutputs({ repositoryUrl: this.repositoryUrl, repositoryName: this.repositoryName });
    }
}
