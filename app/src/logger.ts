export type LogLevel = "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * One JSON object per line on stdout, the shape log collectors parse without configuration.
 * Writes to a pipe are synchronous on Linux, so nothing is lost when the process exits.
 */
export function createLogger(writeLine: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    writeLine(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }) + "\n");
  };
  return {
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
  };
}

/** Errors as loggable fields: JSON.stringify drops an Error's message and stack. */
export function errorFields(error: unknown): LogFields {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}
