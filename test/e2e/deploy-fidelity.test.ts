/**
 * Local mode refuses or breaks exactly where the real cloud would (the four deploy failures of the
 * first audit), and serves the session trigger where the cloud does: at a root URL, as fcapp.run.
 * Each test runs a synthesized template, patched where needed, through the local ROS and emulators.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalCloud } from '../../local/cloud';
import type { RosTemplate } from '../../local/ros/deploy';
import { RosError } from '../../local/ros/errors';
import { OUTDIR, authCode, login, postSession, startCloud } from '../support/local';

const TEMPLATE_FILE = 'MiniAppStack.template.json';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A copy of cdk.out whose template `patch` changed (asset directories are linked, not copied). */
function patchedOutdir(patch: (t: RosTemplate) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'miniapp-patched-'));
  dirs.push(dir);
  for (const name of fs.readdirSync(OUTDIR)) {
    if (name === TEMPLATE_FILE) continue;
    fs.symlinkSync(path.join(OUTDIR, name), path.join(dir, name));
  }
  const template = JSON.parse(fs.readFileSync(path.join(OUTDIR, TEMPLATE_FILE), 'utf8')) as RosTemplate;
  patch(template);
  fs.writeFileSync(path.join(dir, TEMPLATE_FILE), JSON.stringify(template));
  return dir;
}

/** Tablestore requests the emulator refused, by error code. */
function refusals(lines: string[]): string[] {
  return lines.flatMap((l) => {
    const parsed = JSON.parse(l) as { service?: string; code?: string };
    return parsed.service === 'tablestore' && parsed.code ? [parsed.code] : [];
  });
}

async function loginStatus(outdir: string): Promise<{ status: number; refused: string[] }> {
  const lines: string[] = [];
  const cloud = await startCloud({ outdir, log: (l) => lines.push(l) });
  try {
    const { status } = await postSession(cloud, { authCode: await authCode(cloud, '2088000000000001') });
    return { status, refused: refusals(lines.filter((l) => l.startsWith('{"service"'))) };
  } finally {
    await cloud.stop();
  }
}

async function startError(opts: Parameters<typeof startCloud>[0]): Promise<RosError> {
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startCloud(opts);
  } catch (e) {
    if (e instanceof RosError) return e;
    throw e;
  }
  await cloud.stop();
  throw new Error('local mode started');
}

describe('Tablestore network ACL', () => {
  const instanceId = (t: RosTemplate) => Object.entries(t.Resources).find(([, r]) => r.Type.startsWith('ALIYUN::OTS::Instance'))![0];

  it('the stack allows the Internet, so the functions reach their tables', async () => {
    const { status, refused } = await loginStatus(OUTDIR);
    expect(status).toBe(200);
    expect(refused).not.toContain('OTSAuthFailed');
  });

  it('the old ALIYUN::OTS::Instance (Network NORMAL, Internet off by default) leaves every table call denied', async () => {
    const outdir = patchedOutdir((t) => {
      const id = instanceId(t);
      const { InstanceName } = t.Resources[id].Properties!;
      t.Resources[id] = { Type: 'ALIYUN::OTS::Instance', Properties: { InstanceName, ClusterType: 'HYBRID', Network: 'NORMAL' } };
      const endpoint = JSON.stringify({ 'Fn::GetAtt': [id, 'PublicEndpoint'] });
      for (const r of Object.values(t.Resources)) {
        const env = r.Properties?.EnvironmentVariables as Record<string, unknown> | undefined;
        if (env?.OTS_ENDPOINT) env.OTS_ENDPOINT = JSON.parse(endpoint);
      }
    });
    const { status, refused } = await loginStatus(outdir);
    expect(status).toBeGreaterThanOrEqual(500);
    expect(refused).toContain('OTSAuthFailed');
  });

  it('an InstanceV2 open to VPC only is denied the same way', async () => {
    const outdir = patchedOutdir((t) => {
      t.Resources[instanceId(t)].Properties!.NetworkTypeACL = ['VPC', 'CLASSIC'];
    });
    const { status, refused } = await loginStatus(outdir);
    expect(status).toBeGreaterThanOrEqual(500);
    expect(refused).toContain('OTSAuthFailed');
  });
});

describe('npm start refuses what ROS or the services would', () => {
  it('an instance name with capitals (RAM would deny every table call)', async () => {
    const e = await startError({ parameters: { DBInstanceName: 'MiniAppDB' } });
    expect(e.code).toBe('StackValidationFailed');
    expect(e.message).toContain('Parameter "DBInstanceName"');
  });

  it("an RSA4096 private key (the session environment would pass FC's 4 KB)", async () => {
    const big = generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const e = await startError({ parameters: { PrivateKey: big } });
    expect(e.message).toMatch(/Parameter "PrivateKey": the value \(NoEcho, \d+ characters\) is \d+ characters, longer than MaxLength/);
    expect(e.message).not.toContain(big.split('\n')[3]);
  });

  it("the same key past MaxLength by a template that allows it is refused by FC's 4 KB limit", async () => {
    const big = generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const outdir = patchedOutdir((t) => {
      t.Parameters!.PrivateKey = { ...t.Parameters!.PrivateKey, MaxLength: 4096, AllowedPattern: '^[-A-Za-z0-9+/=\\s]+$' };
    });
    const e = await startError({ outdir, parameters: { PrivateKey: big } });
    expect(e.code).toBe('CREATE_FAILED');
    expect(e.message).toMatch(/SessionFunction .*EnvironmentVariables are [\d,]+ bytes/);
  });
});

describe('the session trigger at its root URL, as fcapp.run', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('SessionUrl is an origin with no /2016-08-15/proxy path, and login works there', async () => {
    expect(cloud.config.SessionUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(new URL(cloud.config.SessionUrl).port).not.toBe(new URL(cloud.config.endpoint).port);
    const session = await login(cloud);
    expect(session.sessionId).toBeTruthy();
  });

  it("the proxy path on the FC endpoint (the 2020 client's address) still logs in", async () => {
    const url = `${cloud.config.endpoint}/2016-08-15/proxy/${cloud.config.ServiceName}/${cloud.config.SessionFunctionName}/`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authCode: await authCode(cloud, '2088000000000002') }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sessionId: string }).sessionId).toBeTruthy();
  });
});
