// The bootstrap's configuration, read and checked once; every error names the key to fix.
import * as pulumi from "@pulumi/pulumi";

export interface BootstrapConfig {
    /** owner/name of the repository whose workflows may deploy. */
    githubRepository: string;
    region: string;
    /** An account has one OIDC provider per URL: reuse it when something else created it already. */
    existingOidcProviderArn?: string;
    /** Hosted zones the program may write records in; none means no Route 53 access at all. */
    route53HostedZoneIds: string[];
}

export interface RawBootstrapConfig {
    githubRepository?: string;
    region?: string;
    existingOidcProviderArn?: string;
    route53HostedZoneIds?: string;
}

// GitHub: owners are letters, digits and single inner hyphens (39 at most); repositories letters, digits, . _ -
const repositoryPattern = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
const regionPattern = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const oidcProviderArnPattern = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const hostedZoneIdPattern = /^Z[A-Z0-9]{1,31}$/;

export function parseBootstrapConfig(raw: RawBootstrapConfig): BootstrapConfig {
    const errors: string[] = [];
    const githubRepository = raw.githubRepository?.trim() ?? "";
    if (!repositoryPattern.test(githubRepository)) {
        errors.push(`eks-app-bootstrap:githubRepository must be the repository as owner/name (e.g. acme/eks-app), not '${githubRepository}'`);
    }
    const region = raw.region ?? "";
    if (!regionPattern.test(region)) {
        errors.push(`aws:region must be an AWS region such as eu-west-1, not '${region}'`);
    }
    const existingOidcProviderArn = raw.existingOidcProviderArn || undefined;
    if (existingOidcProviderArn !== undefined && !oidcProviderArnPattern.test(existingOidcProviderArn)) {
        errors.push(
            `eks-app-bootstrap:existingOidcProviderArn must be the ARN of the token.actions.githubusercontent.com provider, not '${existingOidcProviderArn}'`,
        );
    }
    let route53HostedZoneIds: string[] = [];
    try {
        route53HostedZoneIds = JSON.parse(raw.route53HostedZoneIds ?? "[]") as string[];
        if (!Array.isArray(route53HostedZoneIds) || !route53HostedZoneIds.every((id) => hostedZoneIdPattern.test(id))) throw new Error();
    } catch {
        errors.push(`eks-app-bootstrap:route53HostedZoneIds must be a list of hosted zone IDs (Z...), not '${raw.route53HostedZoneIds}'`);
    }
    if (errors.length > 0) throw new Error(`Invalid bootstrap configuration:\n  ${errors.join("\n  ")}`);
    return { githubRepository, region, existingOidcProviderArn, route53HostedZoneIds };
}

export function readBootstrapConfig(): BootstrapConfig {
    const config = new pulumi.Config();
    return parseBootstrapConfig({
        githubRepository: config.get("githubRepository"),
        region: new pulumi.Config("aws").get("region"),
        existingOidcProviderArn: config.get("existingOidcProviderArn"),
        route53HostedZoneIds: config.get("route53HostedZoneIds"),
    });
}
