// The bootstrap program under mocks, shared by the bootstrap tests.
import { join } from "node:path";
import type { PolicyDocument } from "../../components/iam-documents";
import { DeliveryEnvironment } from "../../bootstrap/policies";
import { copyOfRun, providerError, runPulumiProgram, Run } from "../../harness";
import { repositoryRoot } from "./run-script";

export const accountId = "123456789012";
export const region = "eu-west-1";
export const bootstrapDir = join(repositoryRoot, "bootstrap");
/** The program boundary of each environment, as bootstrap names it. */
export const boundaryArnOf = (environment: DeliveryEnvironment) => `arn:aws:iam::${accountId}:policy/eks-app-ci/eks-app-${environment}-program-boundary`;
export const oidcProviderArn = `arn:aws:iam::${accountId}:oidc-provider/token.actions.githubusercontent.com`;
export const bucket = "eks-app-pulumi-state-20260101";
export const roleKeys = ["imagePush", "stagingDeploy", "productionDeploy", "stagingPreview", "productionPreview", "stagingReview"] as const;
export const deployRoleOf: Record<DeliveryEnvironment, (typeof roleKeys)[number]> = { staging: "stagingDeploy", production: "productionDeploy" };
export const otherEnvironment: Record<DeliveryEnvironment, DeliveryEnvironment> = { staging: "production", production: "staging" };

function mockState(type: string, name: string, inputs: Record<string, any>): { id?: string; state: Record<string, any> } {
    switch (type) {
        case "aws:iam/role:Role":
        case "aws:iam/policy:Policy": {
            const kind = type === "aws:iam/role:Role" ? "role" : "policy";
            return { state: { ...inputs, arn: `arn:aws:iam::${accountId}:${kind}${inputs.path ?? "/"}${inputs.name ?? name}` } };
        }
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { state: { ...inputs, arn: oidcProviderArn } };
        case "aws:kms/key:Key":
            return { id: `key-${name}`, state: { ...inputs, arn: `arn:aws:kms:${region}:${accountId}:key/${name}`, keyId: name } };
        case "aws:ecr/repository:Repository":
            return { id: inputs.name, state: { ...inputs, arn: `arn:aws:ecr:${region}:${accountId}:repository/${inputs.name}`, repositoryUrl: `${accountId}.dkr.ecr.${region}.amazonaws.com/${inputs.name}` } };
        case "aws:s3/bucket:Bucket":
            return { state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
        default:
            return { state: inputs };
    }
}

export interface AccountState {
    /** AWSServiceRoleForEC2Spot exists already (an earlier spot request made it). */
    spotRoleExists?: boolean;
}

/** What aws.iam.getRole answers for a role the account lacks: the provider's NoSuchEntity, as it words it. */
const noSuchRole = (name: string) => providerError(`reading IAM Role (${name}): couldn't find resource`);

/** Finished runs by config and account: five test files read the same default run. */
const finishedRuns = new Map<string, Promise<Run>>();

export async function runBootstrap(config: Record<string, string>, account: AccountState = {}): Promise<Run> {
    const key = JSON.stringify([Object.entries(config).sort(([a], [b]) => a.localeCompare(b)), account.spotRoleExists === true]);
    let finished = finishedRuns.get(key);
    if (finished === undefined) {
        finished = runFresh(config, account);
        finishedRuns.set(key, finished);
        // A failed run is not kept: the next caller sees the failure afresh.
        finished.catch(() => finishedRuns.delete(key));
    }
    return copyOfRun(await finished);
}

function runFresh(config: Record<string, string>, account: AccountState): Promise<Run> {
    return runPulumiProgram({
        programDir: bootstrapDir,
        project: "eks-app-bootstrap",
        stack: "admin",
        config: { "aws:region": region, ...config },
        sourcePaths: [bootstrapDir],
        mocks: {
            state: mockState,
            call: (token, inputs) => {
                if (token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId, arn: `arn:aws:iam::${accountId}:user/administrator`, userId: "AIDAEXAMPLE", id: accountId };
                if (token === "aws:index/getPartition:getPartition") return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
                if (token === "aws:iam/getRole:getRole" && inputs.name === "AWSServiceRoleForEC2Spot") {
                    if (!account.spotRoleExists) throw noSuchRole(inputs.name);
                    return { name: inputs.name, arn: `arn:aws:iam::${accountId}:role/aws-service-role/spot.amazonaws.com/${inputs.name}`, id: inputs.name };
                }
                throw new Error(`unexpected call ${token}`);
            },
        },
    });
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : ([] as T[]).concat(value));
export const parsed = (json: unknown) => JSON.parse(String(json)) as PolicyDocument;

