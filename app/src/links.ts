import { randomInt } from "node:crypto";
import { isHomographHost } from "./homographs";

const CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// 62^8 ≈ 2e14 codes. Eight characters also keeps every code distinct from the app's own
// seven-letter paths (healthz, metrics).
const CODE_LENGTH = 8;
const CODE_PATTERN = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);

export const MAX_URL_LENGTH = 2048;

export function generateCode(): string {
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

export function isValidCode(candidate: string): boolean {
  return CODE_PATTERN.test(candidate);
}

export type UrlCheck = { ok: true; url: string } | { ok: false; error: string };

/**
 * Accepts absolute http(s) URLs only and returns them normalised: the WHATWG serialisation is
 * ASCII-only (international host names become punycode), so it is always safe to send back in a
 * Location header.
 */
export function checkTargetUrl(candidate: unknown): UrlCheck {
  if (typeof candidate !== "string" || candidate.trim() === "") {
    return { ok: false, error: 'body must be a JSON object with a string "url"' };
  }
  if (candidate.length > MAX_URL_LENGTH) return { ok: false, error: `url must be at most ${MAX_URL_LENGTH} characters` };
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    return { ok: false, error: "url is not a valid absolute URL" };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { ok: false, error: "url must use http or https" };
  }
  // `https://paypal.com@evil.example/` goes to evil.example, and a stored password is shown to anyone.
  if (parsed.username !== "" || parsed.password !== "") {
    return { ok: false, error: "url must not contain a user name or password" };
  }
  if (isHomographHost(parsed.hostname)) {
    return { ok: false, error: "url host mixes writing systems in one label (a look-alike of another name)" };
  }
  // Percent-encoding can lengthen the URL past the cap.
  if (parsed.href.length > MAX_URL_LENGTH) return { ok: false, error: `url must be at most ${MAX_URL_LENGTH} characters` };
  return { ok: true, url: parsed.href };
}
