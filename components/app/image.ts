import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** Folders of a build context that never reach the image (see app/.dockerignore). */
const ignoredEntries = new Set(["node_modules", "dist", "coverage", ".git"]);

/** A digest of the build context's files, so an unchanged app/ maps to the same (immutable) tag. */
export function contextDigest(directory: string): string {
    const hash = crypto.createHash("sha256");
    const visit = (current: string) => {
        for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            if (ignoredEntries.has(entry.name)) continue;
            const full = path.join(current, entry.name);
            if (entry.isDirectory()) {
                visit(full);
            } else if (entry.isFile()) {
                hash.update(path.relative(directory, full)).update("\0").update(fs.readFileSync(full)).update("\0");
            }
        }
    };
    visit(directory);
    return hash.digest("hex").slice(0, 16);
}

export interface AppImageArgs {
    /** The stack's ECR repository, where CI pushed the image or where the build is pushed. */
    repositoryUrl: pulumi.Output<string>;
    repositoryName: pulumi.Output<string>;
    /** The CI path: an image already pushed for this commit. When absent, the program builds app/ itself. */
    imageTag?: string;
    /** The folder with the Dockerfile to build when no imageTag is given (app/). */
    buildContext: string;
}

/** The app image to run, always by digest: the pushed tag resolved in ECR, or a fresh build of app/. */
export class AppImage extends pulumi.ComponentResource {
    readonly ref: pulumi.Output<string>;

    constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:workload:AppImage", name, {}, opts);

        if (args.imageTag !== undefined) {
            // Looking the tag up fails the preview when CI never pushed it, instead of a pod stuck in ImagePullBackOff.
            const pushed = aws.ecr.getImageOutput({ repositoryName: args.repositoryName, imageTag: args.imageTag }, { parent: this });
            this.ref = pulumi.interpolate`${args.repositoryUrl}@${pushed.imageDigest}`;
        } else {
            const built = new awsx.ecr.Image(
                name,
                {
                    repositoryUrl: args.repositoryUrl,
                    context: args.buildContext,
                    platform: "linux/amd64",
                    imageTag: `src-${contextDigest(args.buildContext)}`,
                },
                { parent: this },
            );
            this.ref = built.imageUri;
        }
        this.registerOutputs({ ref: this.ref });
    }
}
