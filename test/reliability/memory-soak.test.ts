import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { CLIENT_CREDENTIALS_SECONDS } from '../../lib/miniapp-stack';
import { REFRESH_TOKEN_TTL_S } from '../../local/alipay/grants';
import type { LocalCloud } from '../../local/cloud';
import { EXPIRED_CREDENTIALS_KEPT_MS } from '../../local/credentials';
import { TIMESTAMP_WINDOW_MS } from '../../local/sts/authenticate';
import { login, postSession, startCloud } from '../support/local';
import { report } from './support';

/**
 * A long run of session refreshes (each one an STS AssumeRole: new credentials and a nonce) plus
 * a few logins (an auth code and a refresh token each), in rounds with time passing between them.
 * Everything a round leaves behind must be gone a round later, so the local cloud's state and
 * heap stay flat however long it runs.
 *
 * MEMORY_SOAK_REFRESHES sets the number of refreshes (default 300; `npm run soak` sets 10000).
 *
 * Clocks: credentials and Alipay grants have injectable clocks, moved a whole lifetime (plus the
 * hour expired credentials are kept) forward after each round. STS checks each request's real
 * Timestamp against its clock, so its clock can only run ahead by less than the 15-minute window:
 * it runs `STS_AHEAD_MS` ahead, which makes a nonce due a few seconds (real time) after its claim.
 */
const REFRESHES = Math.max(4, Number(process.env.MEMORY_SOAK_REFRESHES) || 300);
const ROUNDS = 4;
const PER_ROUND = Math.ceil(REFRESHES / ROUNDS);
const LOGINS_PER_ROUND = 5;
const CONCURRENCY = 8;
/** Leaves a request 5 s (less the Timestamp's truncation to seconds) to reach STS. */
const STS_AHEAD_MS = TIMESTAMP_WINDOW_MS - 5_000;
/** At the old rate of ~1.8 KB kept per refresh, 10,000 refreshes held ~18 MB. */
const HEAP_GROWTH_LIMIT = 4 * 1024 * 1024;

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

async function repeat(n: number, fn: () => Promise<void>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (started < n) {
        started++;
        await fn();
      }
    }),
  );
}

/** Sizes of every per-request structure of the local cloud (private fields read on purpose: this test is about them). */
function retained(cloud: LocalCloud): { credentials: number; nonces: number; codes: number; refreshTokens: number } {
  const nonces = (cloud.sts as unknown as { nonces: { size: number } }).nonces.size;
  const grants = (cloud.alipay as unknown as { grants: { size: { codes: number; refreshTokens: number } } }).grants.size;
  return { credentials: cloud.credentials.size, nonces, ...grants };
}

/** Heap in use after a full collection. The function log lines are cleared first: cloud.ts caps them separately. */
function heapUsed(cloud: LocalCloud): number {
  cloud.functionLogs.length = 0;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe(`memory over ${REFRESHES} session refreshes`, () => {
  let cloud: LocalCloud;
  let credentialShift = 0;
  let alipayShift = 0;
  beforeAll(async () => {
    cloud = await startCloud({
      credentialClock: () => Date.now() + credentialShift,
      alipay: { now: () => Date.now() + alipayShift },
      sts: { now: () => Date.now() + STS_AHEAD_MS },
    });
  });
  afterAll(() => cloud?.stop());

  it(
    'keeps what each round leaves behind for one round only: credentials, nonces, codes, refresh tokens and the heap stay flat',
    async () => {
      const { sessionId } = await login(cloud);
      const refresh = async () => {
        const { status, body } = await postSession(cloud, { action: 'refresh', sessionId });
        if (status !== 200) throw new Error(`refresh: ${status} ${JSON.stringify(body)}`);
      };
      const heap: number[] = [];
      const sizes: ReturnType<typeof retained>[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await repeat(PER_ROUND, refresh);
        for (let i = 0; i < LOGINS_PER_ROUND; i++) await login(cloud);
        sizes.push(retained(cloud));
        heap.push(heapUsed(cloud));
        // Time passes: every credential and refresh token of this round is due before the next one.
        credentialShift += CLIENT_CREDENTIALS_SECONDS * 1000 + EXPIRED_CREDENTIALS_KEPT_MS;
        alipayShift += REFRESH_TOKEN_TTL_S * 1000;
      }
      report('memory soak', { refreshes: ROUNDS * PER_ROUND, sizes, heapMB: heap.map((h) => +(h / 2 ** 20).toFixed(2)) });

      for (const s of sizes) {
        // This round's client credentials, plus the FC service role's.
        expect(s.credentials).toBeLessThanOrEqual(PER_ROUND + 1 + LOGINS_PER_ROUND + 2);
        expect(s.codes).toBe(0);
        expect(s.refreshTokens).toBeLessThanOrEqual(LOGINS_PER_ROUND + 1);
      }
      expect(heap[heap.length - 1] - heap[0]).toBeLessThan(HEAP_GROWTH_LIMIT);

      // Once every nonce's request has left the window, one more refresh leaves only its own.
      await new Promise((r) => setTimeout(r, TIMESTAMP_WINDOW_MS - STS_AHEAD_MS + 1500));
      await refresh();
      expect(retained(cloud).nonces).toBe(1);
    },
    Math.max(60_000, REFRESHES * 30),
  );
});
