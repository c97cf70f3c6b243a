// The Pulumi state a role may reach: its own stack's objects in the state bucket (the self-managed backend's layout,
// pkg/backend/diy in the Pulumi CLI: .pulumi/stacks/<project>/<stack>.json, locks/organization/<project>/<stack>/,
// history/ and backups/<project>/<stack>/), the bucket's key only through S3, and its environment's secrets key.
import { tlsOnlyBucketPolicy } from "../../components/iam-documents";
import { DeliveryContext, DeliveryEnvironment, PolicyStatement, projectName, stackOf } from "./context";

export function stateObjects(ctx: DeliveryContext, environment: DeliveryEnvironment): { all: string[]; locks: string[] } {
    const stack = stackOf[environment];
    const under = (prefix: string) => `${ctx.stateBucketArn}/.pulumi/${prefix}`;
    const locks = [under(`locks/organization/${projectName}/${stack}/*`)];
    return {
        all: [under("meta.yaml"), under(`stacks/${projectName}/${stack}.*`), under(`history/${projectName}/${stack}/*`), under(`backups/${projectName}/${stack}/*`), ...locks],
        locks,
    };
}

/** Deploys read and write their stack; previews read it and take its lock (a preview locks the stack too). */
export function stateStatements(ctx: DeliveryContext, environment: DeliveryEnvironment, access: "read" | "write"): PolicyStatement[] {
    const objects = stateObjects(ctx, environment);
    const viaS3 = { "kms:ViaService": `s3.${ctx.region}.amazonaws.com` };
    return [
        { Sid: "ListState", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: ctx.stateBucketArn },
        { Sid: "ReadState", Effect: "Allow", Action: "s3:GetObject", Resource: objects.all },
        { Sid: "WriteState", Effect: "Allow", Action: ["s3:PutObject", "s3:DeleteObject"], Resource: access === "write" ? objects.all : objects.locks },
        { Sid: "StateBucketKeyThroughS3", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: ctx.stateKeyArn, Condition: { StringEquals: viaS3 } },
        {
            Sid: "EnvironmentSecrets",
            Effect: "Allow",
            Action: access === "write" ? ["kms:DescribeKey", "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"] : ["kms:DescribeKey", "kms:Decrypt"],
            Resource: ctx.secretsKeyArns[environment],
        },
    ];
}

/** Only TLS reaches the state: plain HTTP requests are refused whoever sends them. */
export const stateBucketPolicy = tlsOnlyBucketPolicy;
