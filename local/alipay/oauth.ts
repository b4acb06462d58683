import { alipayErrors, type AlipayErrorValue } from './errors';
import { ACCESS_TOKEN_TTL_S, type AuthGrants, type TokenGrant } from './grants';

export type MethodResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: AlipayErrorValue };

/** `YYYY-MM-DD HH:mm:ss` in Beijing time (UTC+8, no DST), the gateway's clock for `auth_start`. */
export function beijingTime(epochMs: number): string {
  return new Date(epochMs + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The answer carries exactly the ids the code was issued for: `user_id` for an older appId,
 * `open_id` for a newer one, both during a migration, `union_id` when the app has one. The ids
 * come first, where `user_id` always was in this emulator's answers.
 */
function tokenAnswer(g: TokenGrant): Record<string, unknown> {
  const ids: Record<string, string> = {};
  if (g.userId !== undefined) ids.user_id = g.userId;
  if (g.openId !== undefined) ids.open_id = g.openId;
  if (g.unionId !== undefined) ids.union_id = g.unionId;
  return {
    ...ids,
    access_token: g.accessToken,
    expires_in: ACCESS_TOKEN_TTL_S,
    refresh_token: g.refreshToken,
    // Whole seconds left on the refresh token: the full 30 days for a code, less after a refresh.
    re_expires_in: Math.floor((g.refreshExpiresAt - g.issuedAt) / 1000),
    auth_start: beijingTime(g.issuedAt),
  };
}

/** `alipay.system.oauth.token`: exchanges an auth code (or refresh token) for the user's ids and tokens. */
export function oauthToken(params: Record<string, string>, grants: AuthGrants): MethodResult {
  switch (params.grant_type) {
    case 'authorization_code': {
      const g = params.code ? grants.redeemCode(params.code) : undefined;
      return g ? { ok: true, value: tokenAnswer(g) } : { ok: false, error: alipayErrors.codeInvalid() };
    }
    case 'refresh_token': {
      const g = params.refresh_token ? grants.redeemRefreshToken(params.refresh_token) : undefined;
      return g ? { ok: true, value: tokenAnswer(g) } : { ok: false, error: alipayErrors.refreshTokenInvalid() };
    }
    default:
      return { ok: false, error: alipayErrors.grantTypeInvalid() };
  }
}
