/**
 * Regenerates demo/seed.jsonl: a demo person with an account and a few todos, made by really
 * running the local cloud (never written by hand), so the rows are exactly what the functions
 * write: the session function creates the account on the first login, the db function stores
 * the todos. The file differs on each run (a fresh account id, the times of writing).
 *
 *   ts-node --transpile-only local/data/make-demo-seed.ts [FILE]   (default demo/seed.jsonl; after npm run synth)
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import FC from '@alicloud/fc2';
import { LocalCloud } from '../cloud';
import { CDK_OUT, ROOT } from './cli';
import { stackTables } from './stack';
import { exportTables, exportText } from './transfer';

/** The demo person's Alipay user id: the one the README's curl example and the demo page use. */
export const DEMO_USER_ID = '2088000000000001';
export const DEMO_SEED_FILE = path.join(ROOT, 'demo', 'seed.jsonl');

/** The demo's todos ({id, text, done}, as demo/app.js stores them); ids sort in this order. */
export const DEMO_TODOS: { id: string; text: string; done: boolean }[] = [
  { id: '1-welcome', text: 'Welcome! These todos came from demo/seed.jsonl', done: false },
  { id: '2-add', text: 'Add a todo with the box below', done: false },
  { id: '3-tick', text: 'Tick a todo to mark it done', done: true },
  { id: '4-edit', text: 'Edit a todo: the server counts its versions', done: false },
  { id: '5-pay', text: 'Buy Todo Pro through the Alipay emulator', done: false },
  { id: '6-export', text: 'Take your data out: npm run local:export -- my-data.jsonl', done: false },
];

async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** What the session function answers a login with (the parts used here). */
interface Login {
  sessionId: string;
  sts: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string };
}

/** Logs in as the demo person and writes the todos, as the mini-program would; answers the export. */
export async function makeDemoSeed(outdir = CDK_OUT): Promise<string> {
  const stateDir = fs.mkdtempSync(path.join(tmpdir(), 'demo-seed-'));
  const cloud = await LocalCloud.start({ outdir, stateDir });
  try {
    const { authCode } = await postJson<{ authCode: string }>(cloud.config.authCodeUrl, { userId: DEMO_USER_ID });
    const session = await postJson<Login>(cloud.config.SessionUrl, { authCode });
    const fc = new FC(cloud.config.AccountId, {
      accessKeyID: session.sts.AccessKeyId,
      accessKeySecret: session.sts.AccessKeySecret,
      securityToken: session.sts.SecurityToken,
      region: cloud.config.Region,
      endpoint: cloud.config.endpoint,
    });
    const db = async (event: Record<string, unknown>): Promise<void> => {
      const res = await fc.invokeFunction(cloud.config.ServiceName, cloud.config.DBFunctionName, JSON.stringify({ sid: session.sessionId, ...event }));
      if (res.headers['x-fc-error-type'] || res.data?.error) throw new Error(`db ${String(event.op)}: ${JSON.stringify(res.data)}`);
    };
    // Each todo as the demo adds it (not done), then the done one ticked, as the demo does: a second version.
    for (const todo of DEMO_TODOS) await db({ op: 'put', obj: { ...todo, done: false } });
    for (const todo of DEMO_TODOS.filter((t) => t.done)) await db({ op: 'update', obj: { id: todo.id, done: true }, ifVersion: 1 });
    // Read while the cloud runs, as local:export does; sessions are left out.
    return exportText(exportTables(stateDir, { stack: stackTables(outdir) }));
  } finally {
    await cloud.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const file = path.resolve(process.argv[2] ?? DEMO_SEED_FILE);
  makeDemoSeed().then(
    (text) => {
      fs.writeFileSync(file, text);
      process.stderr.write(`wrote ${path.relative(process.cwd(), file) || file}: ${text.split('\n').length - 2} rows\n`);
      // The function instances' timers must not keep the process alive.
      process.exit(0);
    },
    (e) => {
      process.stderr.write(`make-demo-seed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
