// A deploy role's policy for the platform's services beside the cluster: Karpenter's interruption queue (SQS) and
// the EventBridge rules that feed it, the tag Karpenter finds the cluster security group by, Loki's log bucket and
// the SNS topics alerts are published to. The queue, bucket and topics are named after the stack; EventBridge rules are auto-named, so they are held by tags, and
// the cluster security group is EKS's own, held by the cluster-name tag EKS puts on it.
import { DeliveryContext, DeliveryEnvironment, document, PolicyDocument, regional, requestTags, resourceName, resourceTags } from "./context";

export const queueActions = ["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags", "sqs:TagQueue", "sqs:UntagQueue", "sqs:DeleteQueue"];
export const ruleChanges = ["events:PutTargets", "events:RemoveTargets", "events:DeleteRule", "events:TagResource", "events:UntagResource", "events:PutRule"];
export const ruleReads = ["events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule"];

/** What the AWS provider calls to create, read and delete a bucket and its encryption, public access, policy and lifecycle. */
export const bucketActions = [
    "s3:CreateBucket",
    "s3:DeleteBucket",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:GetBucketTagging",
    "s3:PutBucketTagging",
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:GetBucketAcl",
    "s3:GetBucketCORS",
    "s3:GetBucketWebsite",
    "s3:GetBucketVersioning",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucketRequestPayment",
    "s3:GetBucketLogging",
    "s3:GetReplicationConfiguration",
    "s3:GetBucketObjectLockConfiguration",
    "s3:GetEncryptionConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    "s3:GetLifecycleConfiguration",
    "s3:PutLifecycleConfiguration",
];
/** What the AWS provider calls to create, read, tag and delete an SNS topic (terraform-provider-aws, internal/service/sns/topic.go). */
export const topicActions = ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:ListTagsForResource", "sns:TagResource", "sns:UntagResource", "sns:DeleteTopic"];
/** Emptying a bucket that is destroyed with its objects (staging's: forceDestroy). */
export const bucketObjectActions = ["s3:DeleteObject", "s3:DeleteObjectVersion"];

export function deployServicesPolicy(ctx: DeliveryContext, environment: DeliveryEnvironment): PolicyDocument {
    const name = resourceName(environment);
    const rule = regional(ctx, "events", "rule/*");
    return document(
        { Sid: "InterruptionQueue", Effect: "Allow", Action: queueActions, Resource: regional(ctx, "sqs", `${name}-*`) },
        { Sid: "CreateTaggedRules", Effect: "Allow", Action: ["events:PutRule", "events:TagResource"], Resource: rule, Condition: { StringEquals: requestTags(environment) } },
        { Sid: "ChangeTaggedRules", Effect: "Allow", Action: ruleChanges, Resource: rule, Condition: { StringEquals: resourceTags(environment) } },
        { Sid: "ReadRules", Effect: "Allow", Action: ruleReads, Resource: rule },
        {
            Sid: "TagTheClusterSecurityGroup",
            Effect: "Allow",
            Action: ["ec2:CreateTags", "ec2:DeleteTags"],
            Resource: regional(ctx, "ec2", "security-group/*"),
            Condition: { StringEquals: { "aws:ResourceTag/aws:eks:cluster-name": name } },
        },
        { Sid: "LogBucket", Effect: "Allow", Action: bucketActions, Resource: `arn:${ctx.partition}:s3:::${name}-*` },
        { Sid: "EmptyTheLogBucket", Effect: "Allow", Action: bucketObjectActions, Resource: `arn:${ctx.partition}:s3:::${name}-*/*` },
        // Subscribing is left to people (the README): the role creates the topics, never who receives them.
        { Sid: "AlertTopics", Effect: "Allow", Action: topicActions, Resource: regional(ctx, "sns", `${name}-alerts-*`) },
    );
}
