import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CredentialStore } from '../../local/credentials';
import { ACCOUNT, REGION, functionSpec } from '../support/fc-emulator';
import { FcEmulator, ManualClock, timerTriggerFromConfig, type FcOptions, type FunctionSpec, type InvokeResult, type TimerTrigger } from '../../local/fc';

/**
 * Time triggers in the local FC (local/fc/timer*.ts), beside two HTTP-triggered functions in
 * services of their own, as the payments stack has them: `session` (service miniapp), `notify`
 * (miniapp-notify) and `reconcile` (miniapp-reconcile, timer "@every 1m"). Functions run in real
 * child processes; time moves by a ManualClock, so nothing waits for FC's one-minute interval.
 */
const T0 = Date.parse('2026-12-01T10:00:00.250Z');

const HANDLERS: Record<string, string> = {
  // Echoes the event it got, and which function got it.
  reconcile: `exports.handler = async (event, context) => ({ raw: event.toString(), fn: context.function.name, service: context.service.name });`,
  // Runs until its marker file appears, so a test decides when a run ends.
  slow: `const fs = require('fs'); exports.handler = () => new Promise((resolve) => { const t = setInterval(() => {
    if (fs.existsSync(__dirname + '/release')) { clearInterval(t); fs.rmSync(__dirname + '/release'); resolve('done'); } }, 10); });`,
  failing: `exports.handler = async () => { throw new RangeError('ledger mismatch'); };`,
  echo: `exports.handler = (req, resp, context) => { const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => {
    resp.send(JSON.stringify({ fn: context.function.name, service: context.service.name, path: req.path, body: Buffer.concat(chunks).toString() })); }); };`,
};

const timer = (name: string, extra: Partial<TimerTrigger> = {}): TimerTrigger => ({ name, cronExpression: '@every 1m', enable: true, payload: '', ...extra });

describe('local FC time triggers', () => {
  const codeRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-timer-test-'));
  const credentials = new CredentialStore();
  const logs: Array<Record<string, unknown>> = [];
  const emulators: FcEmulator[] = [];

  const spec = (serviceName: string, functionName: string, code: string, extra: Partial<FunctionSpec> = {}): FunctionSpec =>
    functionSpec(codeRoot, functionName, HANDLERS[code], { serviceName, ...extra });
  const role = (service: string) => ({ roleArn: `acs:ram::${ACCOUNT}:role/${service}`, rolePolicies: [], sessionName: `fc-${service}` });
  const SERVICE_ROLES = { miniapp: role('miniapp'), 'miniapp-notify': role('miniapp-notify'), 'miniapp-reconcile': role('miniapp-reconcile') };
  /** The payments stack's functions, plus a few timer cases in the reconcile service. */
  const FUNCTIONS = (): FunctionSpec[] => [
    spec('miniapp', 'session', 'echo', { httpTrigger: { authType: 'anonymous', methods: ['POST'] } }),
    spec('miniapp-notify', 'notify', 'echo', { httpTrigger: { authType: 'anonymous', methods: ['POST'] } }),
    spec('miniapp-reconcile', 'reconcile', 'reconcile', { timerTriggers: [timer('timer')] }),
    spec('miniapp-reconcile', 'report', 'reconcile', {
      timerTriggers: [
        timer('nightly', { cronExpression: 'CRON_TZ=Asia/Shanghai 0 0 4 * * *', payload: '{"job":"nightly","note":"含中文"}' }),
        timer('paused', { enable: false }),
      ],
    }),
    spec('miniapp-reconcile', 'slow', 'slow', { timerTriggers: [timer('timer')] }),
    spec('miniapp-reconcile', 'failing', 'failing', { timerTriggers: [timer('timer')] }),
  ];
  const emulator = (over: Partial<FcOptions> = {}): FcEmulator => {
    const fc = new FcEmulator({
      accountId: ACCOUNT,
      region: REGION,
      functions: FUNCTIONS(),
      serviceRoles: SERVICE_ROLES,
      credentials,
      log: (l) => logs.push(l),
      ...over,
    });
    emulators.push(fc);
    return fc;
  };
  const timerLines = (fn: string) => logs.filter((l) => l.kind === 'timer' && l.function === fn);
  /** Resolves once `predicate` holds (the runs the scheduler starts are not awaited by anyone). */
  const until = async (predicate: () => boolean, ms = 10_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const eventOf = (r: InvokeResult) => {
    if (!r.ok) throw new Error(`function failed: ${r.error.errorMessage}`);
    return JSON.parse(JSON.parse(r.body.toString()).raw);
  };

  let clock: ManualClock;
  let fc: FcEmulator;
  beforeAll(async () => {
    clock = new ManualClock(T0);
    fc = emulator({ timerClock: clock });
    await fc.listen();
  });
  beforeEach(() => {
    logs.length = 0;
  });
  afterAll(async () => {
    await Promise.all(emulators.map((e) => e.close()));
    fs.rmSync(codeRoot, { recursive: true, force: true });
  });

  describe('fireTimer', () => {
    it("delivers FC's documented timer event: triggerTime (UTC, to the second), triggerName, payload", async () => {
      const result = await fc.fireTimer('miniapp-reconcile', 'reconcile');
      expect(result.ok).toBe(true);
      const body = JSON.parse((result as { body: Buffer }).body.toString());
      expect(body).toMatchObject({ fn: 'reconcile', service: 'miniapp-reconcile' });
      // The exact bytes: keys in the documented order, the time without milliseconds.
      expect(body.raw).toBe('{"triggerTime":"2026-12-01T10:00:00Z","triggerName":"timer","payload":""}');
    });

    it('passes the payload through as the string it is, and takes a trigger by name', async () => {
      const event = eventOf(await fc.fireTimer('miniapp-reconcile', 'report', 'nightly'));
      expect(event).toEqual({ triggerTime: '2026-12-01T10:00:00Z', triggerName: 'nightly', payload: '{"job":"nightly","note":"含中文"}' });
    });

    it('logs each firing like other invocations, with kind "timer"', async () => {
      await fc.fireTimer('miniapp-reconcile', 'reconcile', 'timer');
      expect(timerLines('reconcile')).toEqual([
        {
          service: 'fc',
          kind: 'timer',
          function: 'reconcile',
          trigger: 'timer',
          triggerTime: '2026-12-01T10:00:00Z',
          requestId: expect.any(String),
          ms: expect.any(Number),
        },
      ]);
    });

    it("reports a function's failure in its result and its log line (FC's UnhandledInvocationError)", async () => {
      const result = await fc.fireTimer('miniapp-reconcile', 'failing');
      expect(result).toMatchObject({ ok: false, error: { errorType: 'RangeError', errorMessage: 'ledger mismatch' } });
      expect(timerLines('failing')).toEqual([
        expect.objectContaining({ code: 'UnhandledInvocationError', errorType: 'RangeError', errorMessage: 'ledger mismatch' }),
      ]);
    });

    it('refuses an unknown trigger, a function without one, an ambiguous call and a disabled trigger', async () => {
      await expect(fc.fireTimer('miniapp-reconcile', 'reconcile', 'hourly')).rejects.toThrow(
        "function miniapp-reconcile/reconcile has no timer trigger 'hourly'",
      );
      await expect(fc.fireTimer('miniapp', 'session')).rejects.toThrow('function miniapp/session has no timer trigger');
      await expect(fc.fireTimer('miniapp-reconcile', 'nope')).rejects.toThrow('function miniapp-reconcile/nope has no timer trigger');
      await expect(fc.fireTimer('miniapp-reconcile', 'report')).rejects.toThrow('has 2 timer triggers (nightly, paused); name one');
      await expect(fc.fireTimer('miniapp-reconcile', 'report', 'paused')).rejects.toThrow("timer trigger 'paused' is disabled");
      expect(logs).toEqual([]);
    });

    it('skips, and logs, a firing whose previous run of the same trigger is still running', async () => {
      const release = path.join(codeRoot, 'miniapp-reconcile', 'slow', 'release');
      const first = fc.fireTimer('miniapp-reconcile', 'slow');
      await expect(fc.fireTimer('miniapp-reconcile', 'slow')).rejects.toThrow(
        "timer trigger 'timer' skipped: the previous run of this trigger is still running",
      );
      expect(timerLines('slow')).toEqual([expect.objectContaining({ code: 'TimerSkipped', reason: 'the previous run of this trigger is still running' })]);
      // Another trigger, even of another function in the same service, is not held up.
      expect((await fc.fireTimer('miniapp-reconcile', 'reconcile')).ok).toBe(true);
      fs.writeFileSync(release, '');
      expect(await first).toMatchObject({ ok: true, body: Buffer.from('done') });
      // Once the run is over, the trigger fires again.
      const again = fc.fireTimer('miniapp-reconcile', 'slow');
      fs.writeFileSync(release, '');
      expect((await again).ok).toBe(true);
    });

    it('does not run schedules unless asked (runTimers is off): no timer is even set', () => {
      expect(clock.pendingCount).toBe(0);
      clock.advanceTo(T0 + 3_600_000);
      expect(timerLines('reconcile')).toEqual([]);
    });
  });

  describe('runTimers', () => {
    it('fires each enabled trigger on its schedule, with the fire time as triggerTime, until close()', async () => {
      const local = new ManualClock(Date.parse('2026-12-01T19:59:30Z'));
      const scheduled = emulator({ timerClock: local, runTimers: true });
      expect(local.pendingCount).toBe(0); // nothing runs before listen()
      await scheduled.listen();
      // reconcile, slow and failing every minute; report's nightly (its paused one is never armed).
      expect(local.pendingCount).toBe(4);

      local.advanceTo(Date.parse('2026-12-01T20:00:30Z'));
      await until(() => timerLines('reconcile').length === 1 && timerLines('report').length === 1);
      expect(timerLines('reconcile')[0]).toMatchObject({ trigger: 'timer', triggerTime: '2026-12-01T20:00:30Z' });
      // 04:00 in Shanghai is 20:00 UTC.
      expect(timerLines('report')).toEqual([expect.objectContaining({ trigger: 'nightly', triggerTime: '2026-12-01T20:00:00Z' })]);
      expect(timerLines('report').some((l) => l.code)).toBe(false);

      // `slow` is still running at its next fire time: that firing is skipped, not queued.
      await until(() => timerLines('failing').length === 1);
      local.advanceTo(Date.parse('2026-12-01T20:01:30Z'));
      await until(() => timerLines('reconcile').length === 2);
      expect(timerLines('slow')).toEqual([expect.objectContaining({ code: 'TimerSkipped', triggerTime: '2026-12-01T20:01:30Z' })]);

      await scheduled.close();
      expect(local.pendingCount).toBe(0);
      local.advanceTo(Date.parse('2026-12-02T20:00:00Z'));
      await new Promise((r) => setTimeout(r, 100));
      expect(timerLines('reconcile')).toHaveLength(2);
    });
  });

  describe('a time trigger FC would refuse', () => {
    const build =
      (trigger: TimerTrigger, fn = 'reconcile') =>
      () =>
        new FcEmulator({
          accountId: ACCOUNT,
          region: REGION,
          functions: [spec('miniapp-reconcile', fn, 'reconcile', { timerTriggers: [trigger] })],
          serviceRoles: SERVICE_ROLES,
          credentials,
        });

    it('is refused when the emulator is built, with the trigger named and the reason', () => {
      expect(build(timer('nightly', { cronExpression: '0 0 4 * *' }))).toThrow(
        `function miniapp-reconcile/reconcile: timer trigger 'nightly': "0 0 4 * *" has 5 fields; FC takes six: Seconds Minutes Hours Day-of-month Month Day-of-week`,
      );
      expect(build(timer('fast', { cronExpression: '@every 30s' }))).toThrow(
        `timer trigger 'fast': "@every 30s" is shorter than FC's shortest interval, 1 minute`,
      );
      expect(build(timer('zoned', { cronExpression: 'CRON_TZ=Asia/Beijing 0 0 4 * * *' }))).toThrow(
        `timer trigger 'zoned': "Asia/Beijing" is not a time zone in the IANA database`,
      );
      expect(build(timer('big', { payload: 'x'.repeat(128 * 1024) }))).toThrow(
        /timer trigger 'big': payload makes a [\d,]+-byte event; an asynchronous invocation takes at most 131,072 bytes/,
      );
      expect(build({ ...timer('loose'), enable: 'yes' as unknown as boolean })).toThrow(`timer trigger 'loose': enable must be a boolean, not string`);
    });

    it('is refused when one function names two triggers alike (FC keys a trigger by its name)', () => {
      const twice = () =>
        new FcEmulator({
          accountId: ACCOUNT,
          region: REGION,
          functions: [spec('miniapp-reconcile', 'reconcile', 'reconcile', { timerTriggers: [timer('t'), timer('t')] })],
          serviceRoles: SERVICE_ROLES,
          credentials,
        });
      expect(twice).toThrow("function miniapp-reconcile/reconcile: timer trigger 't' is defined twice");
    });
  });

  describe('two HTTP-triggered functions in two services', () => {
    const post = async (url: string, body: string) => {
      const res = await fetch(url, { method: 'POST', body });
      expect(res.status).toBe(200);
      return res.json();
    };

    it('gives each trigger a root URL of its own, each reaching its own function', async () => {
      const session = fc.triggerUrl('miniapp', 'session');
      const notify = fc.triggerUrl('miniapp-notify', 'notify');
      expect(new Set([new URL(session).port, new URL(notify).port, new URL(fc.url).port]).size).toBe(3);
      expect(await post(session, 'login')).toEqual({ fn: 'session', service: 'miniapp', path: '/', body: 'login' });
      expect(await post(`${notify}/alipay`, 'trade_status=TRADE_SUCCESS')).toEqual({
        fn: 'notify',
        service: 'miniapp-notify',
        path: '/alipay',
        body: 'trade_status=TRADE_SUCCESS',
      });
    });

    it('serves both under /proxy/ on the API port too', async () => {
      expect(fc.proxyUrl('miniapp-notify', 'notify')).toBe(`${fc.url}/2016-08-15/proxy/miniapp-notify/notify/`);
      expect(await post(fc.proxyUrl('miniapp', 'session'), 'a')).toEqual({ fn: 'session', service: 'miniapp', path: '/', body: 'a' });
      expect(await post(`${fc.proxyUrl('miniapp-notify', 'notify')}n`, 'b')).toEqual({ fn: 'notify', service: 'miniapp-notify', path: '/n', body: 'b' });
      // A function is found in its own service only.
      const wrong = await fetch(`${fc.url}/2016-08-15/proxy/miniapp/notify/`, { method: 'POST' });
      expect(wrong.status).toBe(404);
      expect(((await wrong.json()) as { ErrorCode: string }).ErrorCode).toBe('FunctionNotFound');
    });

    it('has no HTTP trigger URL for a timer-only function', () => {
      expect(() => fc.triggerUrl('miniapp-reconcile', 'reconcile')).toThrow(/no HTTP trigger/);
    });
  });
});

describe('timerTriggerFromConfig (a deployed timer trigger as the local FC runs it)', () => {
  it("reads FC's camelCase keys and ROS-style PascalCase ones", () => {
    expect(timerTriggerFromConfig('timer', { cronExpression: '@every 1m', enable: true, payload: '' })).toEqual({
      name: 'timer',
      cronExpression: '@every 1m',
      enable: true,
      payload: '',
    });
    expect(timerTriggerFromConfig('t', { CronExpression: '0 0 4 * * *', Enable: true, Payload: 'p' })).toEqual({
      name: 't',
      cronExpression: '0 0 4 * * *',
      enable: true,
      payload: 'p',
    });
  });

  it('takes an absent enable as disabled (FC does not document its default) and an absent payload as empty', () => {
    expect(timerTriggerFromConfig('t', { cronExpression: '@every 5m' })).toEqual({ name: 't', cronExpression: '@every 5m', enable: false, payload: '' });
  });
});
