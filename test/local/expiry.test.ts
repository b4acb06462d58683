import { ACCESS_TOKEN_TTL_S, AuthGrants, MAX_REFRESH_TOKENS, REFRESH_TOKEN_TTL_S } from '../../local/alipay/grants';
import { type MethodResult, oauthToken } from '../../local/alipay/oauth';
import { CredentialStore, EXPIRED_CREDENTIALS_KEPT_MS, type Principal } from '../../local/credentials';
import { NonceLedger } from '../../local/sts/nonces';

/**
 * Every per-request or per-session structure of the local cloud forgets its entries once they can
 * no longer matter, with O(1) amortized work per call, so a long `npm start` stays flat. Clocks
 * are injected; work is counted as steps of Map iteration (the only way these structures walk
 * their entries), never timed.
 */

const PRINCIPAL: Principal = { roleArn: 'acs:ram::1:role/r', rolePolicies: [], sessionName: 's' };
const WINDOW_MS = 15 * 60_000;

/** Steps taken by every Map iterator (for-of, keys(), entries()) while `fn` runs. */
function mapIterationSteps(fn: () => void): number {
  const proto = Object.getPrototypeOf(new Map().entries()) as { next: (...args: unknown[]) => unknown };
  const next = proto.next;
  let steps = 0;
  proto.next = function (this: unknown, ...args: unknown[]) {
    steps++;
    return next.apply(this, args);
  };
  try {
    fn();
  } finally {
    proto.next = next;
  }
  return steps;
}

describe('CredentialStore', () => {
  it('answers SecurityTokenExpired for an hour after expiry, then forgets the key id (InvalidAccessKeyId)', () => {
    let now = 1_000_000;
    const store = new CredentialStore(() => now);
    const c = store.issue(PRINCIPAL, 900);
    expect(store.check(c.accessKeyId, c.securityToken)).toMatchObject({ ok: true });

    now = c.expiresAt - 1;
    expect(store.check(c.accessKeyId, c.securityToken)).toMatchObject({ ok: true });
    now = c.expiresAt;
    expect(store.check(c.accessKeyId, c.securityToken)).toMatchObject({ ok: false, code: 'SecurityTokenExpired' });
    expect(store.check(c.accessKeyId, 'CAISwrong')).toMatchObject({ ok: false, code: 'InvalidSecurityToken' });
    now = c.expiresAt + EXPIRED_CREDENTIALS_KEPT_MS - 1;
    expect(store.check(c.accessKeyId, c.securityToken)).toMatchObject({ ok: false, code: 'SecurityTokenExpired' });
    expect(store.size).toBe(1);
    now = c.expiresAt + EXPIRED_CREDENTIALS_KEPT_MS;
    expect(store.check(c.accessKeyId, c.securityToken)).toMatchObject({ ok: false, code: 'InvalidAccessKeyId' });
    expect(store.size).toBe(0);
  });

  it('forgets credentials of mixed lifetimes exactly when each is due, whatever the order they were issued in', () => {
    let now = 0;
    const store = new CredentialStore(() => now);
    // Deterministic mix of STS durations (900 s to 12 h) and FC's 36 h service-role credentials.
    const ttls = Array.from({ length: 2000 }, (_, i) => [900, 43_200, 3600, 129_600, 1800, 7777][(i * 7919) % 6] + (i % 13));
    const issued = ttls.map((ttl) => {
      now += 1000;
      return store.issue(PRINCIPAL, ttl);
    });
    expect(store.size).toBe(issued.length);
    const end = Math.max(...issued.map((c) => c.expiresAt)) + EXPIRED_CREDENTIALS_KEPT_MS;
    for (now = issued[issued.length - 1].expiresAt - 3600_000; now <= end; now += 600_000) {
      store.check(undefined, undefined); // any call forgets what is due
      const held = issued.filter((c) => c.expiresAt + EXPIRED_CREDENTIALS_KEPT_MS > now);
      expect(store.size).toBe(held.length);
      for (const c of held.slice(0, 5)) expect(store.check(c.accessKeyId, c.securityToken)).not.toMatchObject({ code: 'InvalidAccessKeyId' });
    }
    now = end;
    store.check(undefined, undefined);
    expect(store.size).toBe(0);
  });

  it('holds a bounded number however many credentials a long run issues (one per refresh)', () => {
    let now = 0;
    const store = new CredentialStore(() => now);
    let most = 0;
    for (let i = 0; i < 50_000; i++) {
      now += 1000; // a refresh a second, for 14 hours
      const c = store.issue(PRINCIPAL, 900);
      store.check(c.accessKeyId, c.securityToken);
      most = Math.max(most, store.size);
    }
    // One lifetime (900 s) plus the hour kept after expiry, at one a second.
    expect(EXPIRED_CREDENTIALS_KEPT_MS).toBe(3600_000);
    expect(most).toBe(4500);
  });
});

describe('NonceLedger', () => {
  it('refuses a nonce while its request could still pass the timestamp check, through its last instant', () => {
    const ledger = new NonceLedger(2 * WINDOW_MS);
    const ts = 10_000_000;
    expect(ledger.claim('k', 'n', ts, ts + WINDOW_MS)).toBe(true);
    expect(ledger.claim('k', 'n', ts + WINDOW_MS, ts + WINDOW_MS)).toBe(false);
    expect(ledger.claim('other-key', 'n', ts, ts + WINDOW_MS)).toBe(true);
    // One ms later the timestamp check refuses a replay by itself, and the nonce is forgotten.
    expect(ledger.claim('k', 'fresh', ts + WINDOW_MS + 1, ts + 2 * WINDOW_MS)).toBe(true);
    expect(ledger.size).toBe(1);
    expect(ledger.claim('k', 'n', ts + WINDOW_MS + 1, ts + 2 * WINDOW_MS + 1)).toBe(true);
  });

  it('drops nonces as they expire: the size goes back down', () => {
    const ledger = new NonceLedger(2 * WINDOW_MS);
    let now = 0;
    for (let i = 0; i < 10_000; i++) ledger.claim('k', `n${i}`, (now += 100), now + WINDOW_MS);
    expect(ledger.size).toBe(9001); // the last 15 minutes, at ten a second
    now += WINDOW_MS + 1;
    ledger.claim('k', 'last', now, now + WINDOW_MS);
    expect(ledger.size).toBe(1);
  });

  it('never keeps a nonce past retainMs after its claim, even behind one with a later Timestamp', () => {
    const ledger = new NonceLedger(2 * WINDOW_MS);
    // A request stamped a full window ahead, then many stamped a window behind (due almost at once).
    ledger.claim('k', 'ahead', 0, 2 * WINDOW_MS);
    for (let i = 1; i <= 100; i++) ledger.claim('k', `behind${i}`, i, i);
    expect(ledger.size).toBe(101);
    // A due nonce waiting in the queue can be claimed again (it is no replay risk any more).
    expect(ledger.claim('k', 'behind1', 200, 200)).toBe(true);
    ledger.claim('k', 'x', 2 * WINDOW_MS + 201, 3 * WINDOW_MS);
    expect(ledger.size).toBe(1);
  });

  it('costs the same per claim with 100k live nonces as with 10 (no scan of the whole ledger)', () => {
    const work = (live: number): number => {
      const ledger = new NonceLedger(2 * WINDOW_MS);
      for (let i = 0; i < live; i++) ledger.claim('k', `n${i}`, 1000, 1000 + WINDOW_MS);
      expect(ledger.size).toBe(live);
      return mapIterationSteps(() => expect(ledger.claim('k', 'new', 2000, 2000 + WINDOW_MS)).toBe(true));
    };
    const small = work(10);
    expect(work(100_000)).toBe(small);
    expect(small).toBeLessThanOrEqual(2);
  });
});

function refreshTokenOf(result: MethodResult): string {
  if (!result.ok) throw new Error(`oauth.token failed: ${JSON.stringify(result.error)}`);
  return String(result.value.refresh_token);
}

describe('AuthGrants (local Alipay)', () => {
  it('drops auth codes as they expire, with O(1) work per issue however many are live', () => {
    let now = 0;
    const grants = new AuthGrants(() => now, 5 * 60_000);
    for (let i = 0; i < 100_000; i++) grants.issueCode({ userId: '2088000000000001' });
    expect(grants.size.codes).toBe(100_000);
    const steps = mapIterationSteps(() => grants.issueCode({ userId: '2088000000000001' }));
    expect(steps).toBeLessThanOrEqual(4);

    now += 5 * 60_000;
    const code = grants.issueCode({ userId: '2088000000000002' });
    expect(grants.size.codes).toBe(1);
    expect(grants.redeemCode(code)).toMatchObject({ userId: '2088000000000002' });
    expect(grants.size.codes).toBe(0);
  });

  it('drops refresh tokens after their 30 days', () => {
    let now = 0;
    const grants = new AuthGrants(() => now, 60_000);
    for (let i = 0; i < 100; i++) grants.redeemCode(grants.issueCode({ userId: '2088000000000001' }));
    expect(grants.size.refreshTokens).toBe(100);
    now += REFRESH_TOKEN_TTL_S * 1000;
    grants.issueCode({ userId: '2088000000000001' });
    expect(grants.size.refreshTokens).toBe(0);
  });

  it(`keeps at most ${MAX_REFRESH_TOKENS} refresh tokens, forgetting the oldest first`, () => {
    const grants = new AuthGrants(() => 0, 60_000);
    const first = grants.redeemCode(grants.issueCode({ userId: '2088000000000001' }))!;
    const second = grants.redeemCode(grants.issueCode({ userId: '2088000000000001' }))!;
    for (let i = 2; i < MAX_REFRESH_TOKENS + 1; i++) grants.redeemCode(grants.issueCode({ userId: '2088000000000001' }));
    expect(grants.size.refreshTokens).toBe(MAX_REFRESH_TOKENS);
    expect(grants.redeemRefreshToken(first.refreshToken)).toBeUndefined();
    expect(grants.redeemRefreshToken(second.refreshToken)).toMatchObject({ userId: '2088000000000001' });
  });

  it('a refreshed grant keeps the first deadline: re_expires_in counts down, and the chain ends after 30 days', () => {
    let now = Date.UTC(2026, 0, 1);
    const grants = new AuthGrants(() => now, 60_000);
    const first = oauthToken({ grant_type: 'authorization_code', code: grants.issueCode({ userId: '2088000000000001' }) }, grants);
    expect(first).toMatchObject({ ok: true, value: { expires_in: ACCESS_TOKEN_TTL_S, re_expires_in: REFRESH_TOKEN_TTL_S } });
    now += 86_400_000;
    const refreshed = oauthToken({ grant_type: 'refresh_token', refresh_token: refreshTokenOf(first) }, grants);
    expect(refreshed).toMatchObject({ ok: true, value: { expires_in: ACCESS_TOKEN_TTL_S, re_expires_in: REFRESH_TOKEN_TTL_S - 86_400 } });
    now = Date.UTC(2026, 0, 1) + REFRESH_TOKEN_TTL_S * 1000;
    const late = oauthToken({ grant_type: 'refresh_token', refresh_token: refreshTokenOf(refreshed) }, grants);
    expect(late).toMatchObject({ ok: false });
    expect(grants.size).toEqual({ codes: 0, refreshTokens: 0 });
  });
});
