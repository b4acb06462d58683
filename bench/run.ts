/**
 * `npm run bench`: cold starts, warm latency, Tablestore round trips, throughput, package sizes and
 * synth time, each next to its floor measured in the same run. Writes bench/results.json and
 * rewrites the README's performance table from it (tools/readme-perf.ts), so both are committed together.
 * Not a test: nothing here asserts; it reports where we stand against the targets.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import FC from '@alicloud/fc2';
import { LocalCloud } from '../local/cloud';
import { FcEmulator } from '../local/fc';
import { README_FILE, writePerfTable } from '../tools/readme-perf';
import { type BenchResults, type BenchTarget, RESULTS_FILE } from './bench-results';
import { type Summary, summarize, timed } from './stats';
import { zippedSize } from './zip-size';

const ROOT = path.resolve(__dirname, '..');
const OUTDIR = path.join(ROOT, 'cdk.out');
const COLD_RUNS = 10;
const WARM_RUNS = 200;
const THROUGHPUT_MS = 3000;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TableStore = require('tablestore');

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

async function main(): Promise<void> {
  const startedAt = Date.now();
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

  // The cold-start floor: an empty handler in the same local FC runtime, invoked the same way.
  const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-empty-'));
  fs.writeFileSync(path.join(floorDir, 'index.js'), 'exports.handler = async () => ({});\n');
  const floorArn = `acs:fc:${config.Region}:${config.AccountId}:services/floor/functions/empty`;
  const floorFc = new FcEmulator({
    accountId: config.AccountId,
    region: config.Region,
    functions: [
      {
        serviceName: 'floor',
        functionName: 'empty',
        arn: floorArn,
        handler: 'index.handler',
        runtime: 'nodejs20',
        codeDir: floorDir,
        environment: {},
        timeoutSeconds: 10,
        memoryMB: 256,
      },
    ],
    serviceRoles: { floor: { roleArn: `acs:ram::${config.AccountId}:role/floor`, rolePolicies: [], sessionName: 'floor' } },
    credentials: cloud.credentials,
  });
  await floorFc.listen();
  const benchCreds = cloud.credentials.issue(
    {
      roleArn: `acs:ram::${config.AccountId}:role/bench`,
      sessionName: 'bench',
      rolePolicies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'fc:InvokeFunction', Resource: floorArn }] }],
    },
    3600,
  );
  const floorClient = new FC(config.AccountId, {
    accessKeyID: benchCreds.accessKeyId,
    accessKeySecret: benchCreds.accessKeySecret,
    securityToken: benchCreds.securityToken,
    region: config.Region,
    endpoint: floorFc.url,
  });
  const invokeFloor = () => floorClient.invokeFunction('floor', 'empty', '{}');

  const newCode = async (userId: string) =>
    ((await (await fetch(config.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId }) })).json()) as { authCode: string }).authCode;
  const login = async (userId: string) => {
    const code = await newCode(userId);
    const res = await fetch(config.SessionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ authCode: code }) });
    if (res.status !== 200) throw new Error(`login ${res.status}`);
    return (await res.json()) as { sessionId: string; sts: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string } };
  };
  const session = await login('2088000000009999');
  const fc = new FC(config.AccountId, {
    accessKeyID: session.sts.AccessKeyId,
    accessKeySecret: session.sts.AccessKeySecret,
    securityToken: session.sts.SecurityToken,
    region: config.Region,
    endpoint: config.endpoint,
  });
  const db = async (event: Record<string, unknown>) => {
    const res = await fc.invokeFunction(config.ServiceName, config.DBFunctionName, JSON.stringify({ sid: session.sessionId, ...event }));
    if (res.headers['x-fc-error-type'] || res.data?.error) throw new Error(`db ${JSON.stringify(res.data)}`);
    return res.data;
  };

  log('cold starts …');
  const cold = { empty: [] as number[], db: [] as number[], session: [] as number[] };
  // A cold login is timed for a returning person: the first login of each person (creating the
  // account) happens once in a lifetime, so it is done here, untimed.
  const coldUser = (i: number) => `20880000000${String(i).padStart(5, '0')}`;
  for (let i = 0; i < COLD_RUNS; i++) await login(coldUser(i));
  for (let i = 0; i < COLD_RUNS; i++) {
    await floorFc.instance('floor', 'empty')!.stop();
    cold.empty.push((await timed(invokeFloor))[0]);
    await dbInstance.stop();
    cold.db.push((await timed(() => db({ op: 'get', id: 'cold' })))[0]);
    await sessionInstance.stop();
    const code = await newCode(coldUser(i));
    cold.session.push(
      (
        await timed(() =>
          fetch(config.SessionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ authCode: code }) }).then((r) =>
            r.text(),
          ),
        )
      )[0],
    );
  }

  log('warm latency …');
  const roundTrips = () => Object.values(cloud.tablestore.counters).reduce((a, b) => a + b, 0);
  const warmOp = async (name: string, fn: (i: number) => Promise<unknown>) => {
    for (let i = 0; i < 20; i++) await fn(WARM_RUNS + i); // warm-up, not counted
    const samples: number[] = [];
    const before = roundTrips();
    for (let i = 0; i < WARM_RUNS; i++) samples.push((await timed(() => fn(i)))[0]);
    return { name, latency: summarize(samples), tablestoreRoundTrips: (roundTrips() - before) / WARM_RUNS };
  };
  const warm = [
    await warmOp('put', (i) => db({ op: 'put', obj: { id: `bench-${i}`, text: 'benchmark todo', done: false } })),
    await warmOp('put (replace)', (i) => db({ op: 'put', obj: { id: `bench-${i}`, text: 'benchmark todo, edited', done: false } })),
    await warmOp('get', (i) => db({ op: 'get', id: `bench-${i}` })),
    await warmOp('list', () => db({ op: 'list', limit: 10 })),
    await warmOp('update', (i) => db({ op: 'update', obj: { id: `bench-${i}`, done: true } })),
    await warmOp('remove', (i) => db({ op: 'remove', id: `bench-${i}` })),
  ];
  // Login: the auth code is minted outside the timed part (it stands in for the mini-program).
  const codes: string[] = [];
  for (let i = 0; i < WARM_RUNS + 20; i++) codes.push(await newCode('2088000000009998'));
  warm.push(
    await warmOp('login', (i) =>
      fetch(config.SessionUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ authCode: codes[i] }) }).then((r) =>
        r.text(),
      ),
    ),
  );

  log('floors …');
  for (let i = 0; i < 20; i++) await invokeFloor();
  const emptyWarm: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) emptyWarm.push((await timed(invokeFloor))[0]);
  const env = dbInstance.spec.environment;
  const otsCreds = cloud.credentials.issue(
    {
      roleArn: `acs:ram::${config.AccountId}:role/bench`,
      sessionName: 'bench',
      rolePolicies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ots:GetRow', Resource: `acs:ots:*:*:instance/${env.OTS_INSTANCE}/table/*` }] }],
    },
    3600,
  );
  const ots = new TableStore.Client({
    endpoint: env.OTS_ENDPOINT,
    instancename: env.OTS_INSTANCE,
    accessKeyId: otsCreds.accessKeyId,
    secretAccessKey: otsCreds.accessKeySecret,
    stsToken: otsCreds.securityToken,
    maxRetries: 0,
  });
  const rawGet = () => ots.getRow({ tableName: env.OBJECTS_TABLE, primaryKey: [{ uid: 'u' }, { collection: 'default' }, { id: 'x' }], maxVersions: 1 });
  for (let i = 0; i < 20; i++) await rawGet();
  const rawGetRow: number[] = [];
  for (let i = 0; i < WARM_RUNS; i++) rawGetRow.push((await timed(rawGet))[0]);

  log('throughput …');
  const throughput = async (clients: number) => {
    let done = 0;
    const until = Date.now() + THROUGHPUT_MS;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (Date.now() < until) {
          await db({ op: 'get', id: 'bench-1' });
          done++;
        }
      }),
    );
    return Math.round((done * 1000) / THROUGHPUT_MS);
  };
  const rps = { clients1: await throughput(1), clients32: await throughput(32) };

  await floorFc.close();
  await cloud.stop();
  fs.rmSync(floorDir, { recursive: true, force: true });

  const coldS = { empty: summarize(cold.empty), db: summarize(cold.db), session: summarize(cold.session) };
  const floors = { emptyHandlerCold: coldS.empty, emptyHandlerWarm: summarize(emptyWarm), rawGetRow: summarize(rawGetRow) };
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const targets = [
    target('db cold start / empty-handler cold start', ratio(coldS.db.median, coldS.empty.median), 1.5),
    target('session cold start / empty-handler cold start', ratio(coldS.session.median, coldS.empty.median), 3),
    ...warm
      .filter((w) => w.name !== 'login')
      .flatMap((w) => [
        target(`${w.name}: Tablestore round trips per request`, w.tablestoreRoundTrips, 1),
        target(`${w.name}: warm p50 / raw GetRow p50`, ratio(w.latency.median, floors.rawGetRow.median), 1.3),
      ]),
    target('db asset zipped (KB)', Math.round(sizes.db / 102.4) / 10, 150),
    target('session asset zipped (KB)', Math.round(sizes.session / 102.4) / 10, 600),
  ];
  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
    synthMs: synth,
    assetBytesZipped: sizes,
    coldStartMs: coldS,
    warm: warm.map((w) => ({
      ...w,
      vsRawGetRow: ratio(w.latency.median, floors.rawGetRow.median),
      vsEmptyInvokePlusGetRow: ratio(w.latency.median, floors.emptyHandlerWarm.median + floors.rawGetRow.median),
    })),
    floors,
    throughputRps: rps,
    targets,
    benchSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  const changed = writePerfTable(RESULTS_FILE, README_FILE);
  log(`\n${path.relative(ROOT, RESULTS_FILE)} written; README.md's performance table ${changed ? 'rewritten' : 'unchanged'}: commit both`);
}

function target(name: string, value: number, limit: number): BenchTarget {
  return { name, value, target: `≤ ${limit}`, met: value <= limit };
}

function log(s: string): void {
  process.stderr.write(`${s}\n`);
}

function printTable(r: BenchResults): void {
  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const lines = [
    `bench ${r.date} (${r.machine?.cpus} × ${r.machine?.cpu}, node ${r.machine?.node}), ${r.benchSeconds} s`,
    '',
    row(['measure', 'median ms', 'p10–p90 / p99', 'vs floor']),
    row(['---', '---', '---', '---']),
    row(['synth (ts-node, 3 runs)', r.synthMs.median, `${r.synthMs.min}–${r.synthMs.max}`, '']),
    row(['cold start: empty handler (floor)', r.coldStartMs.empty.median, `${r.coldStartMs.empty.p10}–${r.coldStartMs.empty.p90}`, '1']),
    row([
      'cold start: db',
      r.coldStartMs.db.median,
      `${r.coldStartMs.db.p10}–${r.coldStartMs.db.p90}`,
      (r.coldStartMs.db.median / r.coldStartMs.empty.median).toFixed(2),
    ]),
    row([
      'cold start: session (login)',
      r.coldStartMs.session.median,
      `${r.coldStartMs.session.p10}–${r.coldStartMs.session.p90}`,
      (r.coldStartMs.session.median / r.coldStartMs.empty.median).toFixed(2),
    ]),
    row(['warm: raw GetRow (floor)', r.floors.rawGetRow.median, `p99 ${r.floors.rawGetRow.p99}`, '1']),
    row(['warm: empty handler invoke', r.floors.emptyHandlerWarm.median, `p99 ${r.floors.emptyHandlerWarm.p99}`, '']),
    ...r.warm.map((w) =>
      row([
        `warm: ${w.name} (${w.tablestoreRoundTrips} OTS round trips)`,
        w.latency.median,
        `p99 ${w.latency.p99}`,
        `${w.vsRawGetRow} (vs invoke+GetRow ${w.vsEmptyInvokePlusGetRow})`,
      ]),
    ),
    '',
    `throughput (db get): ${r.throughputRps.clients1} req/s with 1 client, ${r.throughputRps.clients32} req/s with 32`,
    `zipped assets: db ${(r.assetBytesZipped.db / 1024).toFixed(1)} KB, session ${(r.assetBytesZipped.session / 1024).toFixed(1)} KB`,
    '',
    'targets:',
    ...r.targets.map((t) => `  ${t.met ? 'met    ' : 'NOT met'}  ${t.name}: ${t.value} (${t.target})`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
