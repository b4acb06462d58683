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

/**
 * The session function's protocol (login, refresh, logout) and the one current session.
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
    const saved = opts.storage?.getItem(this.key);
    if (saved) {
      try {
        this.current = JSON.parse(saved) as Session;
      } catch {
        opts.storage?.removeItem(this.key);
      }
    }
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
    const session = (await this.post({ authCode })) as Session;
    if (!session?.sessionId || !session.sts) throw new ClientError('BadResponse', 'login answer lacks sessionId or sts');
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
