import { readAnswer } from './answers';
import { ClientError } from './errors';
import type { Transport } from './transport';
import type { Session, SessionStorage } from './types';

export interface SessionOptions {
  storage?: SessionStorage;
  /** Key under which `storage` keeps the session. */
  storageKey?: string;
  /** Called whenever the session changes: login, refresh, logout, or cleared because the server refused it. */
  onChange?: (session: Session | null) => void;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** A session as login and refresh answer it: what every call reads, with an `Expiration` the client can schedule renewal by. */
export function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { sessionId, expiresAt, sts } = value as Record<string, unknown>;
  if (!isText(sessionId) || typeof expiresAt !== 'string') return false;
  if (typeof sts !== 'object' || sts === null || Array.isArray(sts)) return false;
  const { AccessKeyId, AccessKeySecret, SecurityToken, Expiration } = sts as Record<string, unknown>;
  return isText(AccessKeyId) && isText(AccessKeySecret) && isText(SecurityToken) && isText(Expiration) && Number.isFinite(Date.parse(Expiration));
}

/**
 * The session function's protocol (login, refresh, logout, and the actions on a session) and the
 * one current session.
 * Concurrent refreshes share one request: several db calls finding expiring credentials at once
 * must not each mint new ones.
 */
export class SessionKeeper {
  private current: Session | null = null;
  private refreshing?: Promise<Session>;

  constructor(
    private readonly sessionUrl: string,
    private readonly transport: Transport,
    private readonly opts: SessionOptions = {},
  ) {
    this.current = this.load();
  }

  /**
   * The stored session, if it is one. Anything else there (not JSON, `{}`, `[]`, no `sts`, a
   * shape from another version of the app) is removed and the client starts logged out, so a
   * call that needs a session fails with `NotLoggedIn` instead of a TypeError.
   */
  private load(): Session | null {
    const storage = this.opts.storage;
    let saved: unknown;
    try {
      saved = storage?.getItem(this.key);
    } catch {
      return null; // storage unreadable (e.g. my.getStorageSync failing): logged out, and nothing to clear
    }
    if (saved === null || saved === undefined || saved === '') return null;
    let parsed: unknown;
    try {
      parsed = typeof saved === 'string' ? JSON.parse(saved) : undefined;
    } catch {
      parsed = undefined;
    }
    if (isSession(parsed)) return parsed;
    storage?.removeItem(this.key);
    return null;
  }

  get session(): Session | null {
    return this.current;
  }

  private get key(): string {
    return this.opts.storageKey ?? 'miniapp.session';
  }

  private set(session: Session | null): void {
    this.current = session;
    if (session) this.opts.storage?.setItem(this.key, JSON.stringify(session));
    else this.opts.storage?.removeItem(this.key);
    this.opts.onChange?.(session);
  }

  /** Forgets the session locally (the server refused it); the app must log in again. */
  clear(): void {
    if (this.current) this.set(null);
  }

  private async post(body: Record<string, unknown>): Promise<any> {
    const res = await this.transport({
      url: this.sessionUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return readAnswer(res);
  }

  async login(authCode: string): Promise<Session> {
    if (!authCode) throw new ClientError('BadRequest', 'authCode is required');
    const session: unknown = await this.post({ authCode });
    if (!isSession(session)) throw new ClientError('BadResponse', 'login answer lacks sessionId, expiresAt or sts');
    this.set(session);
    return session;
  }

  /** Fresh STS credentials for the current session; `SessionInvalid` clears it. */
  refresh(): Promise<Session> {
    const current = this.current;
    if (!current) return Promise.reject(new ClientError('NotLoggedIn', 'log in first'));
    this.refreshing ??= (async () => {
      try {
        const answer = (await this.post({ action: 'refresh', sessionId: current.sessionId })) as Session;
        // Another call may have logged out or in meanwhile: only update the session we refreshed.
        if (this.current?.sessionId !== current.sessionId) throw new ClientError('SessionInvalid', 'the session changed during refresh');
        const next = { ...current, ...answer, sessionId: current.sessionId };
        if (!isSession(next)) throw new ClientError('BadResponse', 'refresh answer is not a session');
        this.set(next);
        return next;
      } catch (e) {
        if (e instanceof ClientError && e.code === 'SessionInvalid' && this.current?.sessionId === current.sessionId) this.clear();
        throw e;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /**
   * Another action on the current session (`me`, `phoneNumber`): `NotLoggedIn` without a request
   * when there is none, and a `SessionInvalid` answer forgets it, as db calls do.
   */
  async call(action: string, fields: Record<string, unknown> = {}): Promise<any> {
    const current = this.current;
    if (!current) throw new ClientError('NotLoggedIn', 'log in first');
    try {
      return await this.post({ action, sessionId: current.sessionId, ...fields });
    } catch (e) {
      // Only the session that was refused: a login meanwhile replaced it with a good one.
      if (e instanceof ClientError && e.code === 'SessionInvalid' && this.current?.sessionId === current.sessionId) this.clear();
      throw e;
    }
  }

  /** Ends the session on the server and here; local state is cleared even when the server is unreachable. */
  async logout(): Promise<void> {
    const current = this.current;
    if (!current) return;
    try {
      await this.post({ action: 'logout', sessionId: current.sessionId });
    } finally {
      if (this.current?.sessionId === current.sessionId) this.clear();
    }
  }
}
