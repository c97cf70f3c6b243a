// The Karpenter controller policy and interruption resources against Karpenter's own reference for v1.14,
// transcribed verbatim in tests/fixtures/karpenter-1.14.1-cloudformation.yaml (source and commit in its header).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { differencesFromReference, karpenterControllerPolicy } from "../../components/autoscaling/karpenter-policy";
import { interruptionEventRules, interruptionQueuePolicy } from "../../components/autoscaling/interruption";
import { AwsContext, PolicyStatement } from "../../components/iam-documents";

const ctx: AwsContext = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
const clusterName = "eks-app-dev";
const nodeRoleArn = "arn:aws:iam::123456789012:role/eks-app/karpenter-node";
const interruptionQueueArn = "arn:aws:sqs:eu-west-1:123456789012:eks-app-dev-karpenter";
const volumeKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/volumes";

/** CloudFormation's intrinsic tags, kept as the text they wrap; `${...}` is substituted below. */
const cloudFormationTags = ["!Sub", "!Ref", "!GetAtt"].map((tag) => ({ tag, resolve: (value: string) => value, identify: () => false }));

function substitute(text: string): string {
    const values: Record<string, string> = {
        ClusterName: clusterName,
        "AWS::Partition": ctx.partition,
        "AWS::Region": ctx.region,
        "AWS::AccountId": ctx.accountId,
        "AWS::URLSuffix": "amazonaws.com",
        "KarpenterNodeRole.Arn": nodeRoleArn,
        "KarpenterInterruptionQueue.Arn": interruptionQueueArn,
    };
    return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (!(name in values)) throw new Error(`unknown CloudFormation substitution ${name}`);
        return values[name];
    });
}

const template = parseYaml(fs.readFileSync(path.join(__dirname, "..", "fixtures", "karpenter-1.14.1-cloudformation.yaml"), "utf8"), {
    customTags: cloudFormationTags as never,
}) as { Resources: Record<string, { Type: string; Properties: any }> };

/** Every statement of the reference's controller policies (the AWS::IAM::ManagedPolicy resources). */
function referenceControllerStatements(): PolicyStatement[] {
    return Object.values(template.Resources)
        .filter((resource) => resource.Type === "AWS::IAM::ManagedPolicy")
        .flatMap((resource) => JSON.parse(substitute(resource.Properties.PolicyDocument)).Statement as PolicyStatement[]);
}

const asList = (value: unknown) => (Array.isArray(value) ? [...value].sort() : [value]);

/** Order-insensitive form of a statement: lists sorted, single values as one-element lists, condition values as text. */
function normalized(statement: PolicyStatement): unknown {
    const principal = statement.Principal === ("*" as never) ? { AWS: "*" } : statement.Principal;
    return {
        Sid: statement.Sid,
        Effect: statement.Effect,
        Action: asList(statement.Action),
        Resource: asList(statement.Resource),
        Principal: principal && Object.fromEntries(Object.entries(principal).map(([kind, who]) => [kind, asList(who)])),
        Condition:
            statement.Condition &&
            Object.fromEntries(
                Object.entries(statement.Condition).map(([operator, keys]) => [
                    operator,
                    Object.fromEntries(Object.entries(keys).map(([key, value]) => [key, asList(value).map(String)])),
                ]),
            ),
    };
}

describe("Karpenter controller policy compared with Karpenter's reference (v1.14)", () => {
    const ours = karpenterControllerPolicy(ctx, { clusterName, nodeRoleArn, interruptionQueueArn, volumeKeyArn }).Statement;
    const reference = referenceControllerStatements();
    const oursBySid = new Map(ours.map((statement) => [statement.Sid, statement]));
    const referenceBySid = new Map(reference.map((statement) => [statement.Sid, statement]));
    const omitted = Object.keys(differencesFromReference.omitted);
    const added = Object.keys(differencesFromReference.added);
    const accountScoped: readonly string[] = differencesFromReference.accountScoped;

    it("reads the reference (18 statements in 6 policies)", () => {
        assert.equal(reference.length, 18);
        assert.equal(referenceBySid.size, 18, "every reference statement has its own Sid");
    });

    it("keeps every reference statement unchanged, except the listed differences", () => {
        for (const [sid, statement] of referenceBySid) {
            if (omitted.includes(sid!)) continue;
            const mine = oursBySid.get(sid);
            assert.ok(mine, `${sid} is missing and not listed as omitted`);
            const expected = accountScoped.includes(sid!)
                ? { ...statement, Resource: asList(statement.Resource).map((arn) => (arn as string).replace(`:${ctx.region}:*:`, `:${ctx.region}:${ctx.accountId}:`)) }
                : statement;
            assert.deepEqual(normalized(mine), normalized(expected as PolicyStatement), sid);
        }
    });

    it("omits exactly the listed statements, and each listed difference is real", () => {
        for (const sid of omitted) {
            assert.ok(referenceBySid.has(sid), `${sid} is listed as omitted but the reference has no such statement`);
            assert.ok(!oursBySid.has(sid), `${sid} is listed as omitted but present`);
        }
        for (const sid of accountScoped) {
            const resources = asList(referenceBySid.get(sid)?.Resource);
            assert.ok(resources.some((arn) => String(arn).includes(":*:")), `${sid} is listed as account-scoped but the reference names no open account`);
        }
    });

    it("adds only the listed statements", () => {
        const extra = ours.map((statement) => statement.Sid!).filter((sid) => !referenceBySid.has(sid));
        assert.deepEqual(extra.sort(), [...added].sort());
    });

    it("never writes IAM, and passes only the Karpenter node role, only to EC2", () => {
        const iamActions = ours.flatMap((statement) => asList(statement.Action) as string[]).filter((action) => action.startsWith("iam:"));
        assert.deepEqual(iamActions.sort(), ["iam:GetInstanceProfile", "iam:ListInstanceProfiles", "iam:PassRole"]);
        const passRole = ours.filter((statement) => asList(statement.Action).includes("iam:PassRole"));
        assert.equal(passRole.length, 1);
        assert.deepEqual(passRole[0].Resource, nodeRoleArn);
        assert.deepEqual(passRole[0].Condition?.StringEquals?.["iam:PassedToService"], ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]);
    });

    it("uses the volume key only through EC2", () => {
        const keyStatements = ours.filter((statement) => asList(statement.Resource).includes(volumeKeyArn));
        assert.equal(keyStatements.length, 1);
        assert.deepEqual(keyStatements[0].Condition, { StringEquals: { "kms:ViaService": "ec2.eu-west-1.amazonaws.com" } });
    });

    it("has no wildcard action, and fits IAM's 10,240-character limit for a role's inline policies", () => {
        const actions = ours.flatMap((statement) => asList(statement.Action) as string[]);
        assert.deepEqual(actions.filter((action) => action.includes("*")), []);
        // A real-length cluster name and ARNs: the policy grows with them.
        const longName = "eks-app-" + "x".repeat(40);
        const size = JSON.stringify(karpenterControllerPolicy(ctx, { clusterName: longName, nodeRoleArn, interruptionQueueArn, volumeKeyArn })).length;
        assert.ok(size < 10240, `${size} characters`);
    });
});

describe("Karpenter interruption handling compared with Karpenter's reference (v1.14)", () => {
    const resourcesOfType = (type: string) => Object.values(template.Resources).filter((resource) => resource.Type === type);

    it("sends the same five kinds of events to the queue", () => {
        const referencePatterns = resourcesOfType("AWS::Events::Rule").map((rule) => rule.Properties.EventPattern);
        assert.equal(referencePatterns.length, 5);
        const key = (pattern: unknown) => JSON.stringify(pattern);
        assert.deepEqual(Object.values(interruptionEventRules).map(key).sort(), referencePatterns.map(key).sort());
    });

    it("has the reference's queue policy: EventBridge and SQS may send, nobody over plain HTTP", () => {
        const [queuePolicy] = resourcesOfType("AWS::SQS::QueuePolicy");
        const referenceStatements = (queuePolicy.Properties.PolicyDocument.Statement as PolicyStatement[]).map((statement) => ({
            ...statement,
            Resource: interruptionQueueArn,
        }));
        const ours = interruptionQueuePolicy(interruptionQueueArn);
        assert.equal(ours.Id, queuePolicy.Properties.PolicyDocument.Id);
        assert.deepEqual(ours.Statement.map(normalized), referenceStatements.map(normalized));
    });
});
