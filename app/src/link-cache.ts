/**
 * Targets of recently resolved codes, kept for a few seconds so a popular link does not cost a Redis
 * round trip per redirect. Links never change once stored, so a cached target is only ever stale
 * when someone deletes a link in Redis (a takedown): it keeps redirecting from a pod's cache for at
 * most `ttlMs`. Only found links are kept: a 404 is never cached, so nobody can fill the cache with
 * made-up codes, and its size is bounded anyway (the oldest entry goes first).
 */
export class LinkTargetCache {
  private readonly entries = new Map<string, { url: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  get(code: string, now: number): string | undefined {
    const entry = this.entries.get(code);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry.url;
    this.entries.delete(code);
    return undefined;
  }

  set(code: string, url: string, now: number): void {
    if (this.ttlMs === 0) return;
    // Re-inserting moves the code to the end of the Map's order, so eviction takes the oldest.
    this.entries.delete(code);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(code, { url, expiresAt: now + this.ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }
}
