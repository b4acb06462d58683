/**
 * `npm run bench`: cold starts and where their time goes, warm latency and Tablestore round trips,
 * throughput, memory, package sizes and synth time. Each path is measured next to its floor, in the
 * same run: a function of bench/floors/ doing raw what the path does upstream, run by a local FC of
 * its own and invoked the same way (bench/floor-fc.ts). Writes bench/results.json, then rewrites the
 * README's performance section and bench/chart.svg from it (tools/readme-perf.ts), so all three are
 * committed together. Not a test: nothing here asserts; it reports where we stand against the targets.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import FC from '@alicloud/fc2';
import { LocalCloud } from '../local/cloud';
import type { FunctionInstance } from '../local/fc/instance';
import { README_FILE, writeGenerated } from '../tools/readme-perf';
import { type BenchResults, type BenchTarget, type FloorCheck, type MemoryResult, RESULTS_FILE, type ThroughputResult, type WarmResult } from './bench-results';
import { LOGIN_PLAN, describePlan, planMismatch } from './call-plan';
import { CHART_FILE } from './chart';
import { type ColdReport, type ColdRun, coldBreakdown } from './cold-breakdown';
import { startFloorFc } from './floor-fc';
import { type Summary, percentile, summarize, timed } from './stats';
import { zippedSize } from './zip-size';

const ROOT = path.resolve(__dirname, '..');
const OUTDIR = path.join(ROOT, 'cdk.out');
const COLD_RUNS = 20;
const WARM_RUNS = 200;
const WARM_UP = 20;
const CLIENTS = [1, 8, 32, 128];
/** Requests per throughput level: enough for a p99, and several per client at 128. */
const requestsAt = (op: string, clients: number) => (op === 'login' ? Math.max(200, 4 * clients) : Math.max(600, 16 * clients));
/** The db instance's memory is read after this many requests. */
const MEMORY_REQUESTS = 10_000;

function synthOnce(outdir: string): number {
  const t = Date.now();
  execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'bin/app.ts'], {
    cwd: ROOT,
    env: { ...process.env, CDK_OUTDIR: outdir },
    stdio: 'ignore',
  });
  return Date.now() - t;
}

function measureSynth(): Summary {
  const samples = [synthOnce(OUTDIR)];
  for (let i = 0; i < 2; i++) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
    samples.push(synthOnce(tmp));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return summarize(samples);
}

/** Resident memory of a process now and at its peak (VmRSS, VmHWM, kB), where /proc has them. */
function memoryOf(pid: number | undefined): { rssKB: number; peakKB: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kB = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status)?.[1]);
    const [rssKB, peakKB] = [kB('VmRSS'), kB('VmHWM')];
    return Number.isFinite(rssKB) && Number.isFinite(peakKB) ? { rssKB, peakKB } : undefined;
  } catch {
    return undefined;
  }
}

interface RequestLine {
  function?: string;
  ms?: number;
  cold?: ColdReport;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadavg = os.loadavg().map((x) => Math.round(x * 100) / 100);
  log(`load average ${loadavg.join(', ')} on ${os.cpus().length} CPUs`);
  log('synth …');
  const synth = measureSynth();

  const cloud = await LocalCloud.start({ outdir: OUTDIR, port: 0 });
  const { config } = cloud;
  const dbInstance = cloud.fc.instance(config.ServiceName, config.DBFunctionName)!;
  const sessionInstance = cloud.fc.instance(config.ServiceName, config.SessionFunctionName)!;
  const sizes = {
    db: zippedSize(dbInstance.spec.codeDir),
    session: zippedSize(sessionInstance.spec.codeDir),
  };
  const floors = await startFloorFc(cloud, LOGIN_PLAN);

  // The first JSON line each function prints after a cold start: its first invocation's, with `cold`.
  const firstLines = new Map<string, (line: RequestLine) => void>();
  cloud.onFunctionLog((line) => {
    if (!line.startsWith('{')) return;
    try {
      const parsed = JSON.parse(line) as RequestLine;
      if (parsed.function) firstLines.get(parsed.function)?.(parsed);
    } catch {
      // not a request line
    }
  });
  const nextLine = (fn: string) =>
    new Promise<RequestLine | undefined>((resolve) => {
      const timer = setTimeout(() => settle(undefined), 1000);
      const settle = (line: RequestLine | undefined) => {
        clearTimeout(timer);
        firstLines.delete(fn);
        resolve(line);
      };
      firstLines.set(fn, settle);
    });

  const newCode = async (userId: string) =>
    ((await (await fetch(config.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId }) })).json()) as { authCode: string }).authCode;
  const newCodes = async (userId: string, n: number) => {
    const codes: string[] = [];
    for (let i = 0; i < n; i += 16) codes.push(...(await Promise.all(Array.from({ length: Math.min(16, n - i) }, () => newCode(userId)))));
    return codes;
  };
  const postLogin = async (code: string) => {
    const res = await fetch(config.SessionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ authCode: code }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`login ${res.status} ${text}`);
    return JSON.parse(text) as { sessionId: string; sts: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string } };
  };
  const session = await postLogin(await newCode('2088000000009999'));
  const fc = new FC(config.AccountId, {
    accessKeyID: session.sts.AccessKeyId,
    accessKeySecret: session.sts.AccessKeySecret,
    securityToken: session.sts.SecurityToken,
    region: config.Region,
    endpoint: config.endpoint,
  });
  let dbCalls = 0;
  const db = async (event: Record<string, unknown>) => {
    dbCalls++;
    const res = await fc.invokeFunction(config.ServiceName, config.DBFunctionName, JSON.stringify({ sid: session.sessionId, ...event }));
    if (res.headers['x-fc-error-type'] || res.data?.error) throw new Error(`db ${JSON.stringify(res.data)}`);
    return res.data;
  };
  const dbFloor = (event: Record<string, unknown>) => floors.db({ sid: session.sessionId, ...event });

  log('cold starts …');
  const cold = {
    empty: [] as number[],
    emptyHttp: [] as number[],
    db: [] as number[],
    session: [] as number[],
    dbFloor: [] as number[],
    loginFloor: [] as number[],
  };
  const coldRuns = { db: [] as ColdRun[], session: [] as ColdRun[] };
  const codeCache: { db?: unknown; session?: unknown } = {};
  const coldRun = async (instance: FunctionInstance, call: () => Promise<unknown>): Promise<ColdRun> => {
    const line = nextLine(instance.spec.functionName);
    const [totalMs] = await timed(call);
    const first = await line;
    return { totalMs, startMs: instance.lastStartMs, loadMs: instance.lastLoadMs, handlerMs: first?.ms, report: first?.cold };
  };
  // A cold login is timed for a returning person: the first login of each person (creating the
  // account) happens once in a lifetime, so it is done here, untimed.
  const coldUser = (i: number) => `20880000000${String(i).padStart(5, '0')}`;
  for (let i = 0; i < COLD_RUNS; i++) await postLogin(await newCode(coldUser(i)));
  for (let i = 0; i < COLD_RUNS; i++) {
    await floors.instance('empty').stop();
    cold.empty.push((await timed(floors.invokeEmpty))[0]);
    await floors.instance('empty-http').stop();
    cold.emptyHttp.push((await timed(floors.postEmpty))[0]);
    await dbInstance.stop();
    coldRuns.db.push(await coldRun(dbInstance, () => db({ op: 'get', id: 'cold' })));
    await sessionInstance.stop();
    const code = await newCode(coldUser(i));
    coldRuns.session.push(await coldRun(sessionInstance, () => postLogin(code)));
    await floors.instance('db').stop();
    cold.dbFloor.push((await timed(() => dbFloor({ op: 'get', id: 'cold' })))[0]);
    await floors.instance('login').stop();
    const floorCode = await newCode(coldUser(i));
    cold.loginFloor.push((await timed(() => floors.login(floorCode)))[0]);
  }
  for (const [name, instance] of [
    ['db', dbInstance],
    ['session', sessionInstance],
  ] as const) {
    if (instance.lastCodeCache !== undefined) codeCache[name] = instance.lastCodeCache;
    cold[name] = coldRuns[name].map((r) => r.totalMs);
  }
  // The login floor is only as honest as its plan: check it against the order login really made its calls in.
  const traced = coldRuns.session.flatMap((r) => (r.report ? [r.report.calls] : []));
  const mismatches = traced.flatMap((calls) => planMismatch(LOGIN_PLAN, calls) ?? []);
  const loginPlanMismatch = mismatches.length * 2 > traced.length ? mismatches[0] : undefined;
  if (loginPlanMismatch) log(`LOGIN_PLAN is not the order login makes its calls in (${loginPlanMismatch}): update bench/call-plan.ts`);

  // The db instance started by the last cold run serves everything from here on: its memory after a
  // few requests, after MEMORY_REQUESTS, and after as many again.
  const dbPid = dbInstance.pid;
  const servedBefore = dbCalls - 1;
  for (let i = 0; i < WARM_UP; i++) await db({ op: 'get', id: 'cold' });
  const memoryBefore = { requests: dbCalls - servedBefore, memory: memoryOf(dbPid) };

  log('warm latency, each path interleaved with its floor …');
  const roundTrips = () => Object.values(cloud.tablestore.counters).reduce((a, b) => a + b, 0);
  const countingTrips = async (fn: () => Promise<unknown>): Promise<[number, number]> => {
    const before = roundTrips();
    const [ms] = await timed(fn);
    return [ms, roundTrips() - before];
  };
  const warmPair = async (name: string, run: (i: number) => Promise<unknown>, floor: (i: number) => Promise<unknown>): Promise<WarmResult> => {
    for (let i = 0; i < WARM_UP; i++) {
      await run(WARM_RUNS + i);
      await floor(WARM_RUNS + i);
    }
    const [samples, floorSamples, trips, floorTrips] = [[] as number[], [] as number[], [] as number[], [] as number[]];
    for (let i = 0; i < WARM_RUNS; i++) {
      // Which goes first alternates, so neither always runs right after the other.
      const measure = async () => {
        const [ms, n] = await countingTrips(() => run(i));
        samples.push(ms);
        trips.push(n);
      };
      const measureFloor = async () => {
        const [ms, n] = await countingTrips(() => floor(i));
        floorSamples.push(ms);
        floorTrips.push(n);
      };
      if (i % 2 === 0) await measure().then(measureFloor);
      else await measureFloor().then(measure);
    }
    const latency = summarize(samples);
    const floorSummary = summarize(floorSamples);
    return {
      name,
      latency,
      floor: floorSummary,
      ratio: ratio(latency.median, floorSummary.median),
      tablestoreRoundTrips: percentile(trips, 50),
      tablestoreRoundTripsMean: mean(trips),
      floorTablestoreRoundTrips: percentile(floorTrips, 50),
    };
  };
  const both = (event: (i: number) => Record<string, unknown>) => [(i: number) => db(event(i)), (i: number) => dbFloor(event(i))] as const;
  const id = (i: number) => `bench-${i}`;
  const warm = [
    await warmPair('put', ...both((i) => ({ op: 'put', obj: { id: id(i), text: 'benchmark todo', done: false } }))),
    await warmPair('put (replace)', ...both((i) => ({ op: 'put', obj: { id: id(i), text: 'benchmark todo, edited', done: false } }))),
    await warmPair('get', ...both((i) => ({ op: 'get', id: id(i) }))),
    await warmPair('list', ...both(() => ({ op: 'list', limit: 10 }))),
    await warmPair('update', ...both((i) => ({ op: 'update', obj: { id: id(i), done: true } }))),
    await warmPair('remove', ...both((i) => ({ op: 'remove', id: id(i) }))),
  ];
  // Login: the auth codes are minted outside the timed part (they stand in for the mini-program).
  const [codes, floorCodes] = [await newCodes('2088000000009998', WARM_RUNS + WARM_UP), await newCodes('2088000000009998', WARM_RUNS + WARM_UP)];
  warm.push(
    await warmPair(
      'login',
      (i) => postLogin(codes[i]),
      (i) => floors.login(floorCodes[i]),
    ),
  );

  log('invoke floors …');
  const emptyWarm = async (call: () => Promise<void>) => {
    for (let i = 0; i < WARM_UP; i++) await call();
    const samples: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) samples.push((await timed(call))[0]);
    return summarize(samples);
  };
  const emptyInvokeWarm = await emptyWarm(floors.invokeEmpty);
  const emptyHttpWarm = await emptyWarm(floors.postEmpty);

  log('throughput …');
  const throughput: ThroughputResult[] = [];
  const load = async (op: string, clients: number, call: (i: number) => Promise<unknown>) => {
    const requests = requestsAt(op, clients);
    const samples: number[] = [];
    let next = 0;
    const [elapsed] = await timed(() =>
      Promise.all(
        Array.from({ length: clients }, async () => {
          while (next < requests) {
            const i = next++;
            samples.push((await timed(() => call(i)))[0]);
          }
        }),
      ),
    );
    const round2 = (x: number) => Math.round(x * 100) / 100;
    throughput.push({
      op,
      clients,
      requests,
      rps: Math.round((requests * 1000) / elapsed),
      p50: round2(percentile(samples, 50)),
      p99: round2(percentile(samples, 99)),
    });
  };
  // put first: get then reads the objects it wrote.
  for (const clients of CLIENTS) await load('put', clients, (i) => db({ op: 'put', obj: { id: `tp-${clients}-${i}`, text: 'throughput todo', done: false } }));
  for (const clients of CLIENTS) await load('get', clients, (i) => db({ op: 'get', id: `tp-1-${i % requestsAt('put', 1)}` }));
  // The person's first login (creating the account) happens once in a lifetime: untimed.
  await postLogin(await newCode('2088000000009997'));
  for (const clients of CLIENTS) {
    const loginCodes = await newCodes('2088000000009997', requestsAt('login', clients));
    await load('login', clients, (i) => postLogin(loginCodes[i]));
  }

  log('memory …');
  const serveUpTo = async (requests: number) => {
    while (dbCalls - servedBefore < requests) {
      await Promise.all(Array.from({ length: Math.min(32, requests - (dbCalls - servedBefore)) }, () => db({ op: 'get', id: 'tp-1-0' })));
    }
    return { requests: dbCalls - servedBefore, memory: memoryOf(dbPid) };
  };
  const memoryAfter = await serveUpTo(MEMORY_REQUESTS);
  const memorySettled = await serveUpTo(2 * MEMORY_REQUESTS);
  const sameInstance = dbInstance.pid === dbPid && dbInstance.coldStarts === COLD_RUNS;
  if (!sameInstance) log('the db instance restarted during the run: no memory figure');
  const memory: MemoryResult | undefined =
    sameInstance && memoryBefore.memory && memoryAfter.memory
      ? {
          before: { requests: memoryBefore.requests, ...memoryBefore.memory },
          after: { requests: memoryAfter.requests, ...memoryAfter.memory },
          ...(memorySettled.memory ? { settled: { requests: memorySettled.requests, ...memorySettled.memory } } : {}),
        }
      : undefined;

  await floors.close();
  await cloud.stop();

  const coldS = {
    empty: summarize(cold.empty),
    emptyHttp: summarize(cold.emptyHttp),
    db: summarize(cold.db),
    session: summarize(cold.session),
    dbFloor: summarize(cold.dbFloor),
    loginFloor: summarize(cold.loginFloor),
  };
  const floorChecks = [
    floorCheck('db cold start', coldS.db, coldS.empty),
    floorCheck('session cold start', coldS.session, coldS.emptyHttp),
    ...warm.map((w) => floorCheck(`${w.name} warm`, w.latency, w.floor, w.tablestoreRoundTrips < w.floorTablestoreRoundTrips ? w : undefined)),
  ];
  const targets = [
    target('db cold start / empty-handler cold start', ratio(coldS.db.median, coldS.empty.median), 1.5),
    target('session cold start / empty-handler cold start', ratio(coldS.session.median, coldS.emptyHttp.median), 3),
    ...warm
      .filter((w) => w.name !== 'login')
      .flatMap((w) => [
        target(`${w.name}: Tablestore round trips per request`, w.tablestoreRoundTrips, 1),
        target(`${w.name}: warm p50 / floor p50`, w.ratio, 1.3),
      ]),
    target('login: warm p50 / floor p50', warm.find((w) => w.name === 'login')!.ratio, 1.3),
    target('db asset zipped (KB)', Math.round(sizes.db / 102.4) / 10, 150),
    target('session asset zipped (KB)', Math.round(sizes.session / 102.4) / 10, 600),
  ];
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadavg },
    synthMs: synth,
    assetBytesZipped: sizes,
    coldStartMs: coldS,
    coldBreakdown: {
      db: coldBreakdown(coldRuns.db, emptyInvokeWarm.median),
      session: coldBreakdown(coldRuns.session, emptyHttpWarm.median),
      ...(Object.keys(codeCache).length > 0 ? { codeCache } : {}),
    },
    warm,
    floors: { emptyHandlerCold: coldS.empty, emptyHttpHandlerCold: coldS.emptyHttp, emptyInvokeWarm, emptyHttpWarm },
    loginPlan: describePlan(LOGIN_PLAN),
    ...(loginPlanMismatch ? { loginPlanMismatch } : {}),
    throughput,
    ...(memory ? { memory } : {}),
    floorChecks,
    targets,
    benchSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  printReport(results);
  const changed = writeGenerated(RESULTS_FILE, README_FILE, CHART_FILE);
  log(
    `\n${path.relative(ROOT, RESULTS_FILE)} written; README.md's performance section ${changed.readme ? 'rewritten' : 'unchanged'}, ` +
      `${path.relative(ROOT, CHART_FILE)} ${changed.chart ? 'rewritten' : 'unchanged'}: commit all three`,
  );
}

/** Round trips per request over a run, to three decimals. */
function mean(xs: number[]): number {
  return Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 1000) / 1000;
}

function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

function target(name: string, value: number, limit: number): BenchTarget {
  return { name, value, target: `≤ ${limit}`, met: value <= limit };
}

/**
 * Nothing should beat its floor: the floor does a subset of the path's work. When a p50 is below
 * its floor's anyway, say why: fewer round trips than the floor (the floor then does not describe
 * the path), or a difference inside the floor's own spread (noise), or neither (look into it).
 */
function floorCheck(measure: string, path: Summary, floor: Summary, fewerTrips?: WarmResult): FloorCheck {
  const r = ratio(path.median, floor.median);
  if (path.median >= floor.median) return { measure, ratio: r, beats: false };
  const diff = Math.round((floor.median - path.median) * 100) / 100;
  const spread = Math.round((floor.p90 - floor.p10) * 100) / 100;
  let note: string;
  if (fewerTrips) {
    note = `it made ${fewerTrips.tablestoreRoundTrips} Tablestore round trips per request and its floor ${fewerTrips.floorTablestoreRoundTrips}, so the floor does more than the path`;
  } else if (diff <= spread / 2) {
    note = `noise, ${diff} ms under it, within half the floor's p10–p90 spread of ${spread} ms`;
  } else {
    note = `unexplained, ${diff} ms under it, more than half the floor's p10–p90 spread of ${spread} ms`;
  }
  return { measure, ratio: r, beats: true, note };
}

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

function printReport(r: BenchResults): void {
  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const spread = (s: Summary) => `p10–p90 ${s.p10}–${s.p90}, p99 ${s.p99}`;
  const lines = [
    `bench ${r.date} (${r.machine?.cpus} × ${r.machine?.cpu}, node ${r.machine?.node}, load average ${r.machine?.loadavg?.join(', ')}), ${r.benchSeconds} s`,
    '',
    row(['measure', 'p50 ms', 'spread', 'floor p50 ms', 'ratio']),
    row(['---', '---', '---', '---', '---']),
    row(['synth (ts-node, 3 runs)', r.synthMs.median, `${r.synthMs.min}–${r.synthMs.max}`, '', '']),
    row(['cold start: empty handler, InvokeFunction (the floor)', r.coldStartMs.empty.median, spread(r.coldStartMs.empty), '', '']),
    row(['cold start: empty handler, HTTP trigger (the floor)', r.coldStartMs.emptyHttp.median, spread(r.coldStartMs.emptyHttp), '', '']),
    ...(
      [
        ['db', 'empty'],
        ['session', 'emptyHttp'],
      ] as const
    ).map(([f, floor]) =>
      row([
        `cold start: ${f}`,
        r.coldStartMs[f].median,
        spread(r.coldStartMs[f]),
        r.coldStartMs[floor].median,
        ratio(r.coldStartMs[f].median, r.coldStartMs[floor].median),
      ]),
    ),
    row(['warm: empty handler, InvokeFunction', r.floors.emptyInvokeWarm.median, spread(r.floors.emptyInvokeWarm), '', '']),
    row(['warm: empty handler, HTTP trigger', r.floors.emptyHttpWarm.median, spread(r.floors.emptyHttpWarm), '', '']),
    ...r.warm.map((w) =>
      row([
        `warm: ${w.name} (${w.tablestoreRoundTrips} round trips, mean ${w.tablestoreRoundTripsMean}; floor ${w.floorTablestoreRoundTrips})`,
        w.latency.median,
        spread(w.latency),
        w.floor.median,
        w.ratio,
      ]),
    ),
    '',
    `login floor: ${r.loginPlan}${r.loginPlanMismatch ? ` — NOT the order login makes its calls in: ${r.loginPlanMismatch}` : ' (the order login made its calls in, by its cold traces)'}`,
    '',
    'cold-start breakdown (median ms):',
    ...(['db', 'session'] as const).map(
      (f) => `  ${f}: ${r.coldBreakdown[f].map((p) => `${p.call ? `${p.call}${p.parallel ? ' ∥' : ''}` : p.key} ${p.ms}`).join(', ')}`,
    ),
    ...(r.coldBreakdown.codeCache ? [`  V8 code cache: ${JSON.stringify(r.coldBreakdown.codeCache)}`] : []),
    '',
    'throughput (req/s, p50 / p99 ms):',
    ...['get', 'put', 'login'].map(
      (op) =>
        `  ${op}: ${r.throughput
          .filter((t) => t.op === op)
          .map((t) => `${t.clients} → ${t.rps} (${t.p50} / ${t.p99})`)
          .join(', ')}`,
    ),
    r.memory
      ? `db instance RSS: ${(r.memory.before.rssKB / 1024).toFixed(1)} MB after ${r.memory.before.requests} requests, ${(r.memory.after.rssKB / 1024).toFixed(1)} MB after ${r.memory.after.requests} (peak ${(r.memory.after.peakKB / 1024).toFixed(1)} MB)`
      : 'db instance RSS: not measured',
    `zipped assets: db ${(r.assetBytesZipped.db / 1024).toFixed(1)} KB, session ${(r.assetBytesZipped.session / 1024).toFixed(1)} KB`,
    '',
    'floor check (no path should beat its floor):',
    ...r.floorChecks.map((c) => `  ${c.beats ? 'BEATS  ' : 'ok     '}  ${c.measure}: ${c.ratio}× its floor${c.note ? ` (${c.note})` : ''}`),
    '',
    'targets (each ratio against a floor measured in this run):',
    ...r.targets.map((t) => `  ${t.met ? 'met    ' : 'NOT met'}  ${t.name}: ${t.value} (${t.target})`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
