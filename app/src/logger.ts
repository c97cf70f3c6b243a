export type LogLevel = "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

/** The access log line's fields: one per answered request. */
export interface RequestLogFields {
  requestId: string;
  method: string;
  /** Without the query string. */
  path: string;
  route: string;
  status: number;
  durationMs: number;
}

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The access log line; the same JSON as `info("request", fields)`, built without JSON.stringify. */
  request(fields: RequestLogFields): void;
}

/** One JSON object per line, the shape log collectors parse without configuration. */
export function createLogger(writeLine: (line: string) => void = bufferedStdout()): Logger {
  const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
    writeLine(JSON.stringify({ time: isoTimeNow(), level, message, ...fields }) + "\n");
  };
  return {
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
    request: (fields) => writeLine(requestLine(isoTimeNow(), fields)),
  };
}

// Printable ASCII other than `"` and `\`: JSON needs no escape for it.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

/** An access log line by template: at every request, JSON.stringify of a spread object was its largest cost. */
export function requestLine(time: string, { requestId, method, path, route, status, durationMs }: RequestLogFields): string {
  return (
    `{"time":"${time}","level":"info","message":"request","requestId":${jsonString(requestId)},"method":${jsonString(method)},` +
    `"path":${jsonString(path)},"route":${jsonString(route)},"status":${status},"durationMs":${durationMs}}\n`
  );
}

let lastMillis = -1;
let lastIsoTime = "";

/** The time as ISO 8601, formatted once per millisecond however many lines share it. */
export function isoTimeNow(): string {
  const now = Date.now();
  if (now !== lastMillis) {
    lastMillis = now;
    lastIsoTime = new Date(now).toISOString();
  }
  return lastIsoTime;
}

// Lines wait at most this long, or until this many bytes are buffered, before one write.
const FLUSH_AFTER_MS = 100;
const BUFFER_BYTES = 64 * 1024;
// UTF-8 takes at most 3 bytes per UTF-16 code unit.
const MAX_UTF8_BYTES_PER_CHAR = 3;

/**
 * Collects lines into a buffer and hands it to `write` once every `flushAfterMs` or when full, instead of
 * one write (and one syscall) per line: under load that was most of the cost of logging every request.
 * Each line is encoded once, into the buffer; lines never split across writes, and their order is kept.
 */
export function lineBuffer(write: (chunk: Buffer) => void, flushAfterMs = FLUSH_AFTER_MS, bufferBytes = BUFFER_BYTES): { add: (line: string) => void; flush: () => void } {
  let buffer = Buffer.allocUnsafe(bufferBytes);
  let used = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (used === 0) return;
    // The written chunk keeps its memory: a pipe's write may still be queued when the next line comes.
    const chunk = buffer.subarray(0, used);
    buffer = Buffer.allocUnsafe(bufferBytes);
    used = 0;
    write(chunk);
  };
  const add = (line: string): void => {
    if (used + line.length * MAX_UTF8_BYTES_PER_CHAR > bufferBytes) {
      flush();
      // A line longer than the whole buffer goes out on its own.
      if (line.length * MAX_UTF8_BYTES_PER_CHAR > bufferBytes) {
        write(Buffer.from(line));
        return;
      }
    }
    used += buffer.write(line, used);
    // unref: a pending flush does not keep the process alive; the exit handler writes what is left.
    timer ??= setTimeout(flush, flushAfterMs).unref();
  };
  return { add, flush };
}

/**
 * Lines go to stdout through a lineBuffer. Writes to files and pipes are synchronous on Linux, so
 * flushing on exit (main.ts exits through process.exit after SIGTERM's drain) loses no line; only a
 * SIGKILL can lose the last 100 ms.
 */
function bufferedStdout(): (line: string) => void {
  const lines = lineBuffer((chunk) => process.stdout.write(chunk));
  process.on("exit", lines.flush);
  return lines.add;
}

/** Errors as loggable fields: JSON.stringify drops an Error's message and stack. */
export function errorFields(error: unknown): LogFields {
  return error instanceof Error ? { error: error.message, stack: error.stack } : { error: String(error) };
}
