import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface DnsRecordArgs {
    /** The Route 53 zone that holds domainName (config: hostedZoneId). */
    hostedZoneId: string;
    /** The public name of the app (config: domainName). */
    domainName: string;
    /** The load balancer's DNS name the record points at. */
    target: pulumi.Input<string>;
}

/** The public name of the app: a CNAME to the load balancer (a subdomain, since a zone apex cannot be a CNAME). */
export class DnsRecord extends pulumi.ComponentResource {
    readonly fqdn: pulumi.Output<string>;

    constructor(name: string, args: DnsRecordArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eks-app:workload:DnsRecord", name, {}, opts);
        const record = new aws.route53.Record(
            name,
            { zoneId: args.hostedZoneId, name: args.domainName, type: "CNAME", ttl: 60, records: [args.target] },
            { parent: this },
        );
        this.fqdn = record.fqdn;
        this.registerOutputs({ fqdn: this.fqdn });
    }
}
