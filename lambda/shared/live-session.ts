import { AppError } from './errors';
import type { OtsSession } from './ots';
import { SessionCache } from './session-cache';
import { type Session, SessionStore } from './sessions';

/**
 * The session behind a client-facing invocation (db, pay). The account comes from the session row
 * alone; nothing in the event can name one. A warm instance trusts a session it has seen for
 * `cacheSeconds`, the stated bound within which a logout takes effect.
 */
export class LiveSessions {
  private readonly cache: SessionCache;

  constructor(
    private readonly table: string,
    cacheSeconds: number,
  ) {
    this.cache = new SessionCache(cacheSeconds * 1000);
  }

  async find(ots: OtsSession, sid: string, now: number): Promise<Session> {
    const cached = this.cache.get(sid, now);
    if (cached) return cached;
    const found = await new SessionStore(ots, this.table).read(sid, now);
    if (!found) throw new AppError('SessionInvalid', 'The session is unknown, expired or logged out; log in again.');
    this.cache.set(sid, found, now);
    return found;
  }
}
