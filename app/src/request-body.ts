import type { IncomingMessage } from "node:http";
import { HttpError } from "./responses";

export const MAX_BODY_BYTES = 8 * 1024;

/** The client closed its side before the whole body arrived: nobody waits for an answer. */
export class ClientLeftError extends Error {}

/**
 * Reads at most MAX_BODY_BYTES of a JSON body. Refusals come before Redis is touched, so bad input
 * writes nothing.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json") throw new HttpError(415, "content type must be application/json");
  // The rest of an oversized body is never read, so the connection cannot be reused.
  const tooLarge = new HttpError(413, `body must be at most ${MAX_BODY_BYTES} bytes`, { Connection: "close" });
  if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) throw tooLarge;

  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > MAX_BODY_BYTES) {
        req.off("data", onData);
        reject(tooLarge);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => (req.complete ? resolve(Buffer.concat(chunks)) : reject(new ClientLeftError("the body ended early"))));
    req.on("error", () => reject(new ClientLeftError("the connection broke mid-body")));
  });
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not valid JSON");
  }
}
