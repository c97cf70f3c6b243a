// The SNS topics Alertmanager pages and opens tickets through on AWS, and the Pod Identity role that may publish to
// them: alerts reach whoever subscribes (an e-mail list, an on-call service's HTTPS endpoint, SMS) with no secret in
// the stack's config.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsContext, PolicyDocument } from "../iam-documents";
import { IamPlacement, PodIdentity } from "../pod-identity";

export interface AlertTopicsArgs {
    aws: AwsContext;
    iam: IamPlacement;
    /** The cluster's name as configured (eks-app-<stack>): the topics are named after it. */
    clusterName: string;
    /** The cluster as an output, so the Pod Identity association waits for it. */
    cluster: pulumi.Input<string>;
    /** Alertmanager's namespace and service account, which the role's trust names. */
    namespace: string;
    serviceAccount: string;
}

/** Each topic's name: one for pages (critical), one for tickets (warning). */
export function alertTopicName(clusterName: string, kind: "page" | "ticket"): string {
    return `${clusterName}-alerts-${kind}`;
}

/** Alertmanager's only permission: publish to its two topics. */
export function alertPublishPolicy(topicArns: string[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: [{ Sid: "PublishAlerts", Effect: "Allow", Action: ["sns:Publish"], Resource: topicArns }] };
}

export class AlertTopics extends pulumi.ComponentResource {
    readonly pageTopicArn: pulumi.Output<string>;
    readonly ticketTopicArn: pulumi.Output<string>;
    /** The topics, the role and its association: what Alertmanager waits for before its first notification. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: AlertTopicsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:monitoring:AlertTopics", name, {}, opts);
        const parent = this;
        // Encrypted with SNS's AWS-managed key: its key policy lets SNS use it for any publisher of the account, so
        // the role needs no KMS permission, and subscribers (e-mail, HTTPS) receive the decrypted message.
        const topic = (kind: "page" | "ticket") =>
            new aws.sns.Topic(`${name}-${kind}`, { name: alertTopicName(args.clusterName, kind), kmsMasterKeyId: "alias/aws/sns" }, { parent });
        const page = topic("page");
        const ticket = topic("ticket");
        const identity = new PodIdentity(
            `${name}-alertmanager`,
            {
                aws: args.aws,
                iam: args.iam,
                clusterName: args.clusterName,
                cluster: args.cluster,
                namespace: args.namespace,
                serviceAccount: args.serviceAccount,
                policy: pulumi.all([page.arn, ticket.arn]).apply((arns) => alertPublishPolicy(arns)),
            },
            { parent },
        );
        this.pageTopicArn = page.arn;
        this.ticketTopicArn = ticket.arn;
        this.ready = [page, ticket, ...identity.ready];
        this.registerOutputs({ pageTopicArn: this.pageTopicArn, ticketTopicArn: this.ticketTopicArn });
    }
}
