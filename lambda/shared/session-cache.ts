import type { Session } from '../shared/sessions';

/**
 * Live sessions this instance has seen, trusted for at most `ttlMs`: a logout elsewhere takes
 * effect here within that bound. Only positive answers are kept, so a brand-new session is
 * never refused, and the map is capped so a flood of ids can't grow it without bound.
 */
export class SessionCache {
  private readonly entries = new Map<string, { session: Session; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  get(sessionId: string, now: number): Session | undefined {
    const hit = this.entries.get(sessionId);
    if (!hit) return undefined;
    if (now >= hit.until || now >= hit.session.expiresAt) {
      this.entries.delete(sessionId);
      return undefined;
    }
    return hit.session;
  }

  set(sessionId: string, session: Session, now: number): void {
    if (this.entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the oldest entry.
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(sessionId, { session, until: Math.min(now + this.ttlMs, session.expiresAt) });
  }
}
