import * as pulumi from "@pulumi/pulumi";
import { configNamespace, parseSettings, Settings } from "./settings";

export { ConfigError, parseSettings, Settings } from "./settings";
export type { Environment } from "./profiles";

/** The one place that reads Pulumi config: validates everything before any resource is registered. */
export function readSettings(): Settings {
    return parseSettings({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        config: pulumi.runtime.allConfig(),
    });
}

/** The Redis password the user set with `pulumi config set --secret redisPassword`, kept secret. */
export function configuredRedisPassword(): pulumi.Output<string> | undefined {
    return new pulumi.Config(configNamespace).getSecret("redisPassword");
}

/** The alert receiver and heartbeat URLs (`pulumi config set --secret alertReceiverUrl ...`), kept secret. */
export function configuredAlertUrls(): { receiverUrl?: pulumi.Output<string>; ticketReceiverUrl?: pulumi.Output<string>; heartbeatUrl?: pulumi.Output<string> } {
    const config = new pulumi.Config(configNamespace);
    return {
        receiverUrl: config.getSecret("alertReceiverUrl"),
        ticketReceiverUrl: config.getSecret("alertTicketReceiverUrl"),
        heartbeatUrl: config.getSecret("alertHeartbeatUrl"),
    };
}
