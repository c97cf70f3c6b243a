import { ConfigError, loadConfig, redactedRedisUrl, type Config } from "./config";
import { createLogger, errorFields } from "./logger";
import { startApp } from "./server";

const logger = createLogger();

// Crash with a JSON log line rather than Node's plain-text trace, so log collectors keep it.
process.on("uncaughtException", (error) => {
  logger.error("uncaught exception", errorFields(error));
  process.exit(1);
});
process.on("unhandledRejection", (reason) => {
  logger.error("unhandled rejection", errorFields(reason));
  process.exit(1);
});

function loadConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.error(`invalid configuration: ${error.message}`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await startApp(config, logger);
  logger.info("listening", { port: app.port, redis: redactedRedisUrl(config.redis), drainDelaySeconds: config.drainDelaySeconds, trustXForwardedFor: config.trustXForwardedFor });

  // Kubernetes sends SIGTERM and goes on routing to the pod for a moment, hence the drain delay;
  // Ctrl-C (SIGINT) is a person waiting, so no delay. `once`, so a second signal stops the process at once.
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    const drainDelaySeconds = signal === "SIGTERM" ? config.drainDelaySeconds : 0;
    logger.info("shutting down", { signal, drainDelaySeconds, timeoutSeconds: config.shutdownTimeoutSeconds });
    const { drained } = await app.shutdown(drainDelaySeconds * 1000, config.shutdownTimeoutSeconds * 1000);
    if (drained) {
      logger.info("stopped");
      process.exit(0);
    }
    logger.error("stopped after the shutdown timeout; unfinished requests were cut off");
    process.exit(1);
  };
  process.once("SIGTERM", (signal) => void stop(signal));
  process.once("SIGINT", (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  logger.error("failed to start", errorFields(error));
  process.exit(1);
});
