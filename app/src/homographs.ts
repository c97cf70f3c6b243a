import { domainToUnicode } from "node:url";

// Letters of these scripts are told apart; a letter of any other script counts as "Other".
const SCRIPTS = ["Latin", "Cyrillic", "Greek", "Armenian", "Georgian", "Cherokee", "Hebrew", "Arabic", "Thai", "Devanagari", "Han", "Hiragana", "Katakana", "Bopomofo", "Hangul"] as const;
const SCRIPT_PATTERNS = SCRIPTS.map((script) => [script, new RegExp(`^\\p{Script=${script}}$`, "u")] as const);
const LETTER = /^\p{L}$/u;

// Unicode TS #39's "highly restrictive" profile: one script per label, or Latin with the scripts
// that East Asian names are written in together.
const ALLOWED_MIXES: ReadonlySet<string>[] = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Bopomofo"]),
  new Set(["Latin", "Han", "Hangul"]),
];

function scriptOf(letter: string): string {
  return SCRIPT_PATTERNS.find(([, pattern]) => pattern.test(letter))?.[0] ?? "Other";
}

/**
 * Whether a host name has a label that mixes writing systems, like "pаypal" with a Cyrillic "а":
 * the look-alike that punycode alone does not make obvious to someone reading the link.
 */
export function isHomographHost(asciiHost: string): boolean {
  return domainToUnicode(asciiHost)
    .split(".")
    .some((label) => {
      const scripts = new Set([...label].filter((char) => LETTER.test(char)).map(scriptOf));
      return scripts.size > 1 && !ALLOWED_MIXES.some((mix) => [...scripts].every((script) => mix.has(script)));
    });
}
