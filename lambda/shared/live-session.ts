import { AppError } from './errors';
import type { OtsSession } from './ots';
import { SessionCache } from './session-cache';
import { type Session, SessionStore, claimedAccountOf } from './sessions';

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

  /**
   * Runs a read of the account's data while the session is checked, when the session id names its
   * account and this instance has not seen the session lately (a cold instance, or after the cache
   * bound): the read then costs one round trip of latency, not two. What it read is used only if
   * the session is live and is that account's; otherwise the session's error is thrown, whatever
   * the read did. Writes never take this path: they must not start before the session is known.
   */
  async read<T>(ots: OtsSession, sid: string, now: number, read: (accountId: string) => Promise<T>): Promise<T> {
    const cached = this.cache.get(sid, now);
    if (cached) return read(cached.accountId);
    const claimed = claimedAccountOf(sid);
    if (!claimed) return read((await this.find(ots, sid, now)).accountId);
    const [session, data] = await Promise.allSettled([this.find(ots, sid, now), read(claimed)]);
    if (session.status === 'rejected') throw session.reason;
    // The row is keyed by a hash of the whole id, so an id with another account in front has no
    // row at all; this check keeps that true even if a row were ever written with a mismatch.
    if (session.value.accountId !== claimed) throw invalid();
    if (data.status === 'rejected') throw data.reason;
    return data.value;
  }

  async find(ots: OtsSession, sid: string, now: number): Promise<Session> {
    const cached = this.cache.get(sid, now);
    if (cached) return cached;
    const found = await new SessionStore(ots, this.table).read(sid, now);
    if (!found) throw invalid();
    this.cache.set(sid, found, now);
    return found;
  }
}

const invalid = () => new AppError('SessionInvalid', 'The session is unknown, expired or logged out; log in again.');
