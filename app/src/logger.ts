export type LogLevel = "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** One JSON object per line, the shape log collectors parse without configuration. */
export function createLogger(writeLine: (line: string) => void = bufferedStdout()): Logger {
  const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    writeLine(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }) + "\n");
  };
  return {
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
  };
}

// Lines wait at most this long, or until this many characters are buffered, before one write.
const FLUSH_AFTER_MS = 100;
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Lines go to stdout in one write every FLUSH_AFTER_MS instead of one syscall each: under load that
 * is most of the cost of logging every request. Writes to files and pipes are synchronous on Linux,
 * so flushing on exit loses no line on process.exit(); only a SIGKILL can lose the last 100 ms.
 */
function bufferedStdout(): (line: string) => void {
  let buffered = "";
  const flush = (): void => {
    if (buffered === "") return;
    const lines = buffered;
    buffered = "";
    process.stdout.write(lines);
  };
  process.on("exit", flush);
  return (line) => {
    // unref: a pending flush does not keep the process alive; the exit handler writes what is left.
    if (buffered === "") setTimeout(flush, FLUSH_AFTER_MS).unref();
    buffered += line;
    if (buffered.length >= FLUSH_AT_CHARS) flush();
  };
}

/** Errors as loggable fields: JSON.stringify drops an Error's message and stack. */
export function errorFields(error: unknown): LogFields {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}
