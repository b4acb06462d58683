import { randomBytes } from 'node:crypto';

/** A 16-digit Alipay user id (`2088` + 12 digits). */
export const USER_ID_PATTERN = /^2088\d{12}$/;

/** Lifetimes Alipay documents for `alipay.system.oauth.token` answers, in seconds. */
export const ACCESS_TOKEN_TTL_S = 1_296_000; // 15 days
export const REFRESH_TOKEN_TTL_S = 2_592_000; // 30 days

export interface TokenGrant {
  userId: string;
  accessToken: string;
  refreshToken: string;
  /** Epoch ms at which the grant was made (becomes `auth_start`). */
  issuedAt: number;
}

interface Pending {
  userId: string;
  expiresAt: number;
}

/**
 * Auth codes and refresh tokens handed out by the local Alipay. Both are one-time: a code is
 * consumed by its first redemption even if that redemption finds it expired, as with real
 * Alipay, where a code cannot be retried.
 */
export class AuthGrants {
  private readonly codes = new Map<string, Pending>();
  private readonly refreshTokens = new Map<string, Pending>();

  constructor(
    private readonly now: () => number,
    private readonly codeTtlMs: number,
  ) {}

  /** Stands in for the mini-program's `my.getAuthCode`: a fresh code for this user. */
  issueCode(userId: string): string {
    this.prune();
    const code = randomBytes(16).toString('hex'); // real codes look like 32 hex chars
    this.codes.set(code, { userId, expiresAt: this.now() + this.codeTtlMs });
    return code;
  }

  redeemCode(code: string): TokenGrant | undefined {
    return this.redeem(this.codes, code);
  }

  redeemRefreshToken(token: string): TokenGrant | undefined {
    return this.redeem(this.refreshTokens, token);
  }

  private redeem(store: Map<string, Pending>, key: string): TokenGrant | undefined {
    const pending = store.get(key);
    store.delete(key);
    if (!pending || this.now() >= pending.expiresAt) return undefined;
    return this.grant(pending.userId);
  }

  private grant(userId: string): TokenGrant {
    const issuedAt = this.now();
    const refreshToken = `authusrB${randomBytes(16).toString('hex')}`;
    this.refreshTokens.set(refreshToken, { userId, expiresAt: issuedAt + REFRESH_TOKEN_TTL_S * 1000 });
    return { userId, accessToken: `authusrB${randomBytes(16).toString('hex')}`, refreshToken, issuedAt };
  }

  /** Keeps a long-running local cloud from accumulating dead codes. */
  private prune(): void {
    const now = this.now();
    for (const [code, p] of this.codes) if (now >= p.expiresAt) this.codes.delete(code);
  }
}
