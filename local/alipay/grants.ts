import { randomBytes } from 'node:crypto';
import type { AlipayIds } from './ids';

/** Lifetimes Alipay documents for `alipay.system.oauth.token` answers, in seconds. */
export const ACCESS_TOKEN_TTL_S = 1_296_000; // 15 days
export const REFRESH_TOKEN_TTL_S = 2_592_000; // 30 days

/**
 * Most refresh tokens the local Alipay remembers. Real Alipay keeps each for its 30 days; here
 * every login mints one and nothing in this project redeems them, so a long-running local cloud
 * would otherwise hold a month of logins. Past the cap the oldest is forgotten first, and
 * redeeming it answers isv.refresh-token-invalid as for an expired one.
 */
export const MAX_REFRESH_TOKENS = 10_000;

/** The ids the code was issued for (exactly those: they become the answer's id fields), and the tokens. */
export interface TokenGrant extends AlipayIds {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms at which the grant was made (becomes `auth_start`). */
  issuedAt: number;
  /** Epoch ms after which `refreshToken` no longer works (`re_expires_in` counts down to it). */
  refreshExpiresAt: number;
}

interface Pending {
  ids: AlipayIds;
  expiresAt: number;
}

/**
 * Auth codes and refresh tokens handed out by the local Alipay. Both are one-time: a code is
 * consumed by its first redemption even if that redemption finds it expired, as with real
 * Alipay, where a code cannot be retried. Redeeming a refresh token gives a new one with the
 * same deadline (Alipay does not restart the 30 days; `re_expires_in` shrinks).
 *
 * Each map is in issue order. Every call first forgets, from the oldest end, the entries that
 * are due, so it does O(1) amortized work and nothing outlives its lifetime by much. Codes share
 * one lifetime, so issue order is expiry order. A refresh token from a refresh carries an earlier
 * deadline than its neighbours and may wait behind them, but never past 30 days from its issue.
 */
export class AuthGrants {
  private readonly codes = new Map<string, Pending>();
  private readonly refreshTokens = new Map<string, Pending>();

  constructor(
    private readonly now: () => number,
    private readonly codeTtlMs: number,
  ) {}

  /** Codes and refresh tokens currently remembered. */
  get size(): { codes: number; refreshTokens: number } {
    return { codes: this.codes.size, refreshTokens: this.refreshTokens.size };
  }

  /** Stands in for the mini-program's `my.getAuthCode`: a fresh code for the user these ids name. */
  issueCode(ids: AlipayIds): string {
    const now = this.now();
    this.forgetDue(now);
    const code = randomBytes(16).toString('hex'); // real codes look like 32 hex chars
    this.codes.set(code, { ids, expiresAt: now + this.codeTtlMs });
    return code;
  }

  redeemCode(code: string): TokenGrant | undefined {
    const now = this.now();
    const pending = this.take(this.codes, code, now);
    return pending && this.grant(pending.ids, now, now + REFRESH_TOKEN_TTL_S * 1000);
  }

  redeemRefreshToken(token: string): TokenGrant | undefined {
    const now = this.now();
    const pending = this.take(this.refreshTokens, token, now);
    return pending && this.grant(pending.ids, now, pending.expiresAt);
  }

  /** Removes the entry whatever its state; returns it only while it is still valid. */
  private take(store: Map<string, Pending>, key: string, now: number): Pending | undefined {
    this.forgetDue(now);
    const pending = store.get(key);
    store.delete(key);
    return pending && now < pending.expiresAt ? pending : undefined;
  }

  private grant(ids: AlipayIds, issuedAt: number, refreshExpiresAt: number): TokenGrant {
    const refreshToken = `authusrB${randomBytes(16).toString('hex')}`;
    // The same ids object moves from code to refresh token to refresh token: one per login.
    this.refreshTokens.set(refreshToken, { ids, expiresAt: refreshExpiresAt });
    for (const oldest of this.refreshTokens.keys()) {
      if (this.refreshTokens.size <= MAX_REFRESH_TOKENS) break;
      this.refreshTokens.delete(oldest);
    }
    return { ...ids, accessToken: `authusrB${randomBytes(16).toString('hex')}`, refreshToken, issuedAt, refreshExpiresAt };
  }

  private forgetDue(now: number): void {
    for (const store of [this.codes, this.refreshTokens]) {
      for (const [key, pending] of store) {
        if (now < pending.expiresAt) break;
        store.delete(key);
      }
    }
  }
}
