import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PolicyDocument } from "../iam-documents";

/**
 * The EC2 and AWS Health events Karpenter acts on, one EventBridge rule each (Karpenter's reference template for
 * v1.14 has the same five): it cordons and drains a node on a spot interruption warning (two minutes' notice), a
 * rebalance recommendation, a scheduled maintenance event or a capacity reservation interruption, and forgets
 * nodes that stopped or terminated outside it.
 */
export const interruptionEventRules = {
    "scheduled-change": { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
    "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
    rebalance: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
    "instance-state-change": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
    "capacity-reservation-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
} as const;

/** Who may send to the queue, as Karpenter's reference has it, and nobody over plain HTTP. */
export function interruptionQueuePolicy(queueArn: string): PolicyDocument & { Id: string } {
    return {
        Version: "2012-10-17",
        Id: "EC2InterruptionPolicy",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] },
                Action: "sqs:SendMessage",
                Resource: queueArn,
            },
            {
                Sid: "DenyHTTP",
                Effect: "Deny",
                // A Deny: the wildcard takes every SQS action away over plain HTTP, it grants nothing.
                Action: "sqs:*",
                Resource: queueArn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
                Principal: { AWS: "*" },
            },
        ],
    };
}

export interface KarpenterInterruptionArgs {
    /** Names the queue; Karpenter's `settings.interruptionQueue` takes this name. */
    clusterName: string;
}

/** The SQS queue (encrypted) Karpenter reads interruption events from, and the EventBridge rules that fill it. */
export class KarpenterInterruption extends pulumi.ComponentResource {
    readonly queueName: pulumi.Output<string>;
    readonly queueArn: pulumi.Output<string>;
    /** The queue, its policy and the rules: what the controller must wait for. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: KarpenterInterruptionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:autoscaling:KarpenterInterruption", name, {}, opts);
        const queue = new aws.sqs.Queue(
            name,
            {
                name: `${args.clusterName}-karpenter`,
                // An interruption warning older than five minutes is moot: the instance is gone.
                messageRetentionSeconds: 300,
                // Encrypted at rest with an SQS-owned key: EventBridge can send to it without a key policy of ours.
                sqsManagedSseEnabled: true,
            },
            { parent: this },
        );
        const queuePolicy = new aws.sqs.QueuePolicy(
            name,
            { queueUrl: queue.url, policy: queue.arn.apply((arn) => JSON.stringify(interruptionQueuePolicy(arn))) },
            { parent: this },
        );
        const rules = Object.entries(interruptionEventRules).map(([ruleName, pattern]) => {
            const rule = new aws.cloudwatch.EventRule(
                `${name}-${ruleName}`,
                { description: `${pattern["detail-type"][0]} to Karpenter (${args.clusterName})`, eventPattern: JSON.stringify(pattern) },
                { parent: this },
            );
            return new aws.cloudwatch.EventTarget(
                `${name}-${ruleName}`,
                { rule: rule.name, arn: queue.arn, targetId: "KarpenterInterruptionQueueTarget" },
                { parent: this, dependsOn: [queuePolicy] },
            );
        });
        this.queueName = queue.name;
        this.queueArn = queue.arn;
        this.ready = [queue, queuePolicy, ...rules];
        this.registerOutputs({ queueName: this.queueName, queueArn: this.queueArn });
    }
}
