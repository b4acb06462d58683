/**
 * The floors' own local FC: the functions of bench/floors/ bundled as the stack's functions are
 * (lib/bundle.ts: esbuild, the lazy tablestore, alipay-sdk's urllib swapped for urllib-lite) and
 * shipped with their V8 code cache (lib/code-cache.ts; not the empty handler, a bare file), each
 * run as an instance of a second FcEmulator beside the local cloud's, with the local cloud's
 * Tablestore, STS and Alipay and the environment of the function it is the floor of. So a floor is
 * measured the way the function works: a process of its own, a module-scope client with keep-alive,
 * invoked the same way (fc2 InvokeFunction for db, an HTTP trigger POST for login).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import FC from '@alicloud/fc2';
import * as esbuild from 'esbuild';
import type { LocalCloud } from '../local/cloud';
import type { PolicyDocument, Principal } from '../local/credentials';
import { FcEmulator, type FunctionSpec } from '../local/fc';
import type { FunctionInstance } from '../local/fc/instance';
import { functionBundleOptions } from '../lib/bundle';
import { BUNDLE_FILE, CodeCachedAsset, ENTRY_FILE } from '../lib/code-cache';
import { fcNodeFlags } from '../lib/fc-runtime';
import { type CallPlan } from './call-plan';

const SERVICE = 'floor';
/** The floor db function's rows belong to this account, so floor and function never write the same row. */
export const FLOOR_ACCOUNT = 'acc_benchfloor000000000000';
const HTTP_TRIGGER = { authType: 'anonymous', methods: ['POST'] };

export type FloorName = 'empty' | 'empty-http' | 'db' | 'login';

export interface FloorFc {
  /** The empty handler, invoked as db is (fc2 InvokeFunction). */
  invokeEmpty(): Promise<void>;
  /** The empty handler, invoked as session is (HTTP trigger POST). */
  postEmpty(): Promise<void>;
  /** The db floor, given the very event the db function is given. */
  db(event: Record<string, unknown>): Promise<void>;
  /** The login floor, given the body login is given. */
  login(authCode: string): Promise<void>;
  instance(name: FloorName): FunctionInstance;
  close(): Promise<void>;
}

/** Starts the floors' FC next to `cloud`; `loginPlan` is the order of login's upstream calls (call-plan.ts). */
export async function startFloorFc(cloud: LocalCloud, loginPlan: CallPlan): Promise<FloorFc> {
  const { config } = cloud;
  const db = cloud.fc.instance(config.ServiceName, config.DBFunctionName)!.spec;
  const session = cloud.fc.instance(config.ServiceName, config.SessionFunctionName)!.spec;
  const codeDir = bundleFloors({ db: db.memoryMB, login: session.memoryMB });
  const arn = (fn: string) => `acs:fc:${config.Region}:${config.AccountId}:services/${SERVICE}/functions/${fn}`;
  const spec = (functionName: FloorName, handler: string, like: FunctionSpec | undefined, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
    serviceName: SERVICE,
    functionName,
    arn: arn(functionName),
    handler: `index.${handler.split('.')[1]}`,
    runtime: like?.runtime ?? 'nodejs20',
    codeDir: path.join(codeDir, handler.split('.')[0]),
    environment: like ? { ...like.environment } : {},
    timeoutSeconds: like?.timeoutSeconds ?? 10,
    memoryMB: like?.memoryMB ?? 256,
    ...extra,
  });
  const functions = [
    spec('empty', 'empty.handler', undefined, { memoryMB: db.memoryMB }),
    spec('empty-http', 'empty.http', undefined, { memoryMB: session.memoryMB, httpTrigger: HTTP_TRIGGER }),
    spec('db', 'db.handler', db, { environment: { ...db.environment, FLOOR_ACCOUNT } }),
    spec('login', 'login.handler', session, {
      environment: { ...session.environment, FLOOR_LOGIN_PLAN: JSON.stringify(loginPlan) },
      httpTrigger: HTTP_TRIGGER,
    }),
  ];
  const fc = new FcEmulator({
    accountId: config.AccountId,
    region: config.Region,
    functions,
    serviceRoles: { [SERVICE]: floorRole(cloud, db.environment, session.environment) },
    credentials: cloud.credentials,
  });
  await fc.listen();

  // The bench's own credentials, shaped like the client's: the role's grant repeated as a session policy.
  const grant: PolicyDocument = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'fc:InvokeFunction', Resource: arn('*') }] };
  const creds = cloud.credentials.issue(
    { roleArn: `acs:ram::${config.AccountId}:role/bench`, rolePolicies: [grant], sessionPolicy: grant, sessionName: 'bench' },
    3600,
  );
  const client = new FC(config.AccountId, {
    accessKeyID: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    securityToken: creds.securityToken,
    region: config.Region,
    endpoint: fc.url,
  });
  const invoke = async (fn: FloorName, event: string) => {
    const res = await client.invokeFunction(SERVICE, fn, event);
    if (res.headers['x-fc-error-type']) throw new Error(`floor ${fn}: ${JSON.stringify(res.data)}`);
  };
  const post = async (fn: FloorName, body: string) => {
    const res = await fetch(fc.triggerUrl(SERVICE, fn), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`floor ${fn}: ${res.status} ${text}`);
  };
  return {
    invokeEmpty: () => invoke('empty', '{}'),
    postEmpty: () => post('empty-http', '{}'),
    db: (event) => invoke('db', JSON.stringify(event)),
    login: (authCode) => post('login', JSON.stringify({ authCode })),
    instance: (name) => fc.instance(SERVICE, name)!,
    close: async () => {
      await fc.close();
      fs.rmSync(codeDir, { recursive: true, force: true });
    },
  };
}

/** bench/floors/*.js bundled into a fresh directory, with the options lib/bundle.ts gives the functions. */
/** Bundles each floor into a directory of its own; `memoryMB`: each floor's instance memory, which its code cache is made for. */
function bundleFloors(memoryMB: Record<string, number>): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-floors-'));
  const floors = path.join(__dirname, 'floors');
  for (const file of fs.readdirSync(floors).filter((f) => f.endsWith('.js'))) {
    const { outputFiles } = esbuild.buildSync({
      ...functionBundleOptions({ urllib: 'shared/urllib-lite.ts' }),
      entryPoints: [path.join(floors, file)],
      outfile: path.join(outdir, BUNDLE_FILE),
      write: false,
      legalComments: 'none',
    });
    const dir = path.join(outdir, path.basename(file, '.js'));
    fs.mkdirSync(dir);
    // Shipped as our functions are (lib/code-cache.ts): bundle, V8 code cache and loader. Only the
    // empty handler stays a bare file: the floor of a cold start is Node's start and nothing more.
    if (file === 'empty.js') fs.writeFileSync(path.join(dir, ENTRY_FILE), outputFiles[0].contents);
    else
      new CodeCachedAsset(new Map([[BUNDLE_FILE, outputFiles[0].contents]]), fcNodeFlags(memoryMB[path.basename(file, '.js')] ?? 256)).writeTo(
        dir,
        `floor ${file}`,
      );
  }
  return outdir;
}

/**
 * The floors' service role. It acts as the stack's own service role (the client role trusts only
 * that one, and the login floor assumes the client role as login does), with a policy that allows
 * exactly what the floors do.
 */
function floorRole(cloud: LocalCloud, dbEnv: Record<string, string>, sessionEnv: Record<string, string>): Principal {
  const { config } = cloud;
  const service = cloud.deployment.resources.find((r) => r.type === 'ALIYUN::FC::Service' && r.props.ServiceName === config.ServiceName);
  if (!service) throw new Error(`bench: the template has no FC service ${config.ServiceName}`);
  const table = (name: string) => `acs:ots:${config.Region}:${config.AccountId}:instance/${dbEnv.OTS_INSTANCE}/table/${name}`;
  const policy: PolicyDocument = {
    Version: '1',
    Statement: [
      { Effect: 'Allow', Action: ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow', 'ots:DeleteRow', 'ots:GetRange'], Resource: table(dbEnv.OBJECTS_TABLE) },
      { Effect: 'Allow', Action: 'ots:GetRow', Resource: table(sessionEnv.ACCOUNTS_TABLE) },
      { Effect: 'Allow', Action: 'ots:PutRow', Resource: table(sessionEnv.SESSIONS_TABLE) },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: sessionEnv.CLIENT_ROLE_ARN },
    ],
  };
  return { roleArn: String(service.props.Role), rolePolicies: [policy], sessionName: `fc-${SERVICE}` };
}
