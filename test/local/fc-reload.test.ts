import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CredentialStore } from '../../local/credentials';
import { FcEmulator } from '../../local/fc';
import { ACCOUNT, functionSpec, invokerClient, REGION, SERVICE_ROLES } from '../support/fc-emulator';

/**
 * FcEmulator.replaceCode, what `npm start -- --watch` does to a function whose code changed:
 * driven by the real fc2 client, with a handler that reports its code version, its module state
 * (an instance cache) and its process, and that holds a request until the test releases it.
 */
/** Version `v` of the code. An event "hold" answers once a `release` file appears beside the code, after writing `held`. */
const handler = (v: number) => `const fs = require('fs'); let calls = 0;
exports.handler = async (event) => {
  calls++;
  if (event.toString() === 'hold') {
    fs.writeFileSync(__dirname + '/held', '');
    await new Promise((resolve) => { const t = setInterval(() => { if (fs.existsSync(__dirname + '/release')) { clearInterval(t); resolve(); } }, 10); });
  }
  return { version: ${v}, calls, pid: process.pid };
};`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('local FC: replacing a function code', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-reload-test-'));
  const credentials = new CredentialStore();
  const emulators: FcEmulator[] = [];

  /** A code directory holding version `v`. */
  const codeDir = (name: string, v: number): string => {
    const dir = path.join(root, `${name}-v${v}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.js'), handler(v));
    return dir;
  };
  const spec = (name: string) => functionSpec(root, name, handler(1), { environment: { TZ: 'Asia/Shanghai' } });
  async function start(name: string): Promise<{ fc: FcEmulator; invoke: (event: string) => Promise<{ version: number; calls: number; pid: number }> }> {
    const fc = new FcEmulator({
      accountId: ACCOUNT,
      region: REGION,
      functions: [spec(name)],
      serviceRoles: SERVICE_ROLES,
      credentials,
    });
    emulators.push(fc);
    await fc.listen();
    const client = invokerClient(credentials, fc.url);
    return {
      fc,
      invoke: async (event) => {
        const res = await client.invokeFunction('svc', name, event);
        if (res.headers['x-fc-error-type']) throw new Error(`function error: ${JSON.stringify(res.data)}`);
        return res.data;
      },
    };
  }

  afterAll(async () => {
    await Promise.all(emulators.map((fc) => fc.close()));
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('sends new invocations to a cold start of the new code while the old instance finishes its request in flight', async () => {
    const { fc, invoke } = await start('held');
    const warm = await invoke('x');
    expect(warm).toMatchObject({ version: 1, calls: 1 });
    const oldDir = fc.instance('svc', 'held')!.spec.codeDir;

    const inFlight = invoke('hold');
    await until(() => fs.existsSync(path.join(oldDir, 'held')), 'the request to be in flight');
    let drained = false;
    const oldStopped = fc.replaceCode('svc', 'held', codeDir('held', 2)).then(() => (drained = true));

    // A cold start: the new code, its module state fresh, in a process of its own.
    const fresh = await invoke('x');
    expect(fresh).toMatchObject({ version: 2, calls: 1 });
    expect(fresh.pid).not.toBe(warm.pid);
    expect(fc.instance('svc', 'held')!.coldStarts).toBe(1);
    expect(fc.instance('svc', 'held')!.spec).toMatchObject({ codeDir: path.join(root, 'held-v2'), environment: { TZ: 'Asia/Shanghai' }, timeoutSeconds: 10 });
    expect(drained).toBe(false);
    expect(alive(warm.pid)).toBe(true);

    fs.writeFileSync(path.join(oldDir, 'release'), '');
    // Answered by the old code, on the instance that had it: no request fails because of a reload.
    expect(await inFlight).toEqual({ version: 1, calls: 2, pid: warm.pid });
    await oldStopped;
    expect(alive(warm.pid)).toBe(false);
    expect(await invoke('x')).toMatchObject({ version: 2, calls: 2, pid: fresh.pid });
  });

  it('stops an idle old instance at once, and refuses a function that does not exist', async () => {
    const { fc, invoke } = await start('idle');
    const { pid } = await invoke('x');
    await fc.replaceCode('svc', 'idle', codeDir('idle', 2));
    expect(alive(pid)).toBe(false);
    expect(await invoke('x')).toMatchObject({ version: 2, calls: 1 });
    expect(() => fc.replaceCode('svc', 'nope', codeDir('idle', 3))).toThrow(/svc\/nope does not exist/);
  });

  it('close() also stops an old instance that is still draining', async () => {
    const { fc, invoke } = await start('draining');
    const { pid } = await invoke('x');
    const inFlight = invoke('hold').catch((e: Error) => e);
    await until(() => fs.existsSync(path.join(fc.instance('svc', 'draining')!.spec.codeDir, 'held')), 'the request to be in flight');
    const oldStopped = fc.replaceCode('svc', 'draining', codeDir('draining', 2));
    await fc.close();
    expect(alive(pid)).toBe(false);
    await oldStopped;
    await inFlight; // answered or refused by the closing server; either way it settles
  });
});
