import { isIP } from "node:net";

export interface RedisConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
}

export interface Config {
  port: number;
  shutdownTimeoutSeconds: number;
  redis: RedisConfig;
}

/** A bad environment: the message names the variable and what it must be. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** Reads and validates the whole environment contract once, so a bad value stops the process at start. */
export function loadConfig(env: Env): Config {
  return {
    port: readInteger(env, "PORT", 8080, 1, 65535),
    shutdownTimeoutSeconds: readInteger(env, "SHUTDOWN_TIMEOUT_SECONDS", 10, 1, 3600),
    redis: {
      host: readHost(env, "REDIS_HOST"),
      port: readInteger(env, "REDIS_PORT", 6379, 1, 65535),
      username: readOptional(env, "REDIS_USERNAME"),
      password: readOptional(env, "REDIS_PASSWORD"),
      tls: readBoolean(env, "REDIS_TLS", false),
    },
  };
}

function readOptional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === "" ? undefined : value;
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readOptional(env, name);
  if (raw === undefined) return fallback;
  if (raw !== "true" && raw !== "false") {
    throw new ConfigError(`${name} must be "true" or "false", got "${raw}"`);
  }
  return raw === "true";
}

// A DNS name or an IP address; anything else would only fail later as an endless reconnect loop.
function readHost(env: Env, name: string): string {
  const raw = readOptional(env, name);
  if (raw === undefined) throw new ConfigError(`${name} is required (the Redis server's host name or IP address)`);
  const isDnsName = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(raw);
  if (!isDnsName && isIP(raw) === 0) {
    throw new ConfigError(`${name} must be a host name or an IP address, got "${raw}"`);
  }
  return raw;
}
