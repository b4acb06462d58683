import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createClient, fetchTransport } from '../../client';
import { advertisedHost } from '../../local/host';
import { type Run, ready, sleep, start, started } from '../support/local-main';

/** `npm start`'s options, run as local/main.ts (npm only adds the synth before it). */

const ROOT = path.resolve(__dirname, '..', '..');
const exited = async (run: Run) => Promise.race([run.exit, sleep(60_000).then(() => 'still running')]);
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'local-options-'));

afterEach(async () => {
  for (const run of started.splice(0)) {
    try {
      process.kill(-run.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await run.exit;
    fs.rmSync(run.stateDir, { recursive: true, force: true });
  }
});

describe('npm start options', () => {
  it.each([
    [['--port', 'abc'], /--port 'abc' is not a port: give an integer from 1 to 65533/],
    [['--port', '65534'], /--port '65534' is not a port/], // its triggers would need 65535 and 65536
    [['--port=-1'], /--port '-1' is not a port/],
    [['--port'], /--port needs a value/],
    [['--in-memory', '--reset'], /--in-memory keeps no state dir/],
    [['--seed-file', 'x'], /unknown argument '--seed-file'/],
  ])(
    '%j is refused with exit code 2 and says why',
    async (args, message) => {
      const run = start('main', args);
      expect(await exited(run)).toEqual({ code: 2, signal: null });
      expect(run.output()).toMatch(message);
      expect(run.output()).toMatch(/usage: npm start/);
    },
    60_000,
  );

  it('a bad PORT in the environment is named as PORT', async () => {
    const run = start('main', [], tempDir(), { PORT: '9x' });
    expect(await exited(run)).toEqual({ code: 2, signal: null });
    expect(run.output()).toMatch(/PORT '9x' is not a port/);
  }, 60_000);

  it('a port in use fails start with the port, which listener needs it, and the flag that changes it', async () => {
    // Hold the port the session trigger would take (API port + 1).
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const held = (holder.address() as net.AddressInfo).port;
    try {
      const run = start('main', ['--port', String(held - 1)]);
      expect(await exited(run)).toEqual({ code: 1, signal: null });
      expect(run.output()).toMatch(new RegExp(`port ${held} is in use \\(a trigger's port: the API port \\+ 1\\).*--port N`));
      expect(run.output()).not.toMatch(/local cloud ready/);
    } finally {
      holder.close();
    }
  }, 60_000);

  it('two instances with their own state dirs run side by side, each with its own outputs, keys and data', async () => {
    const [a, b] = [start('main', ['--port', '0']), start('main', ['--port', '0'])];
    const [configA, configB] = await Promise.all([ready(a), ready(b)]);
    expect(configA.endpoint).not.toBe(configB.endpoint);
    for (const [run, config] of [
      [a, configA],
      [b, configB],
    ] as const) {
      expect(JSON.parse(fs.readFileSync(path.join(run.stateDir, 'outputs.json'), 'utf8'))).toEqual(config);
      // The Alipay dev endpoints are on the API port, so authCodeUrl is as stable as the endpoint.
      expect(config.authCodeUrl).toBe(`${config.endpoint}/dev/auth-code`);
      expect(config.cashierUrl).toBe(`${config.endpoint}/dev/cashier`);
    }
    expect(fs.readFileSync(path.join(a.stateDir, 'dev-keys.json'), 'utf8')).not.toBe(fs.readFileSync(path.join(b.stateDir, 'dev-keys.json'), 'utf8'));
    // A code minted by one instance's Alipay is unknown to the other's.
    const code = (await (await fetch(configA.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId: '2088000000000777' }) })).json()) as {
      authCode: string;
    };
    const login = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(code) });
    expect((await login(configB.SessionUrl)).status).toBe(401);
    expect((await login(configA.SessionUrl)).status).toBe(200);
  }, 120_000);

  it('--in-memory writes nothing: no keys, no data, no outputs.json', async () => {
    const run = start('main', ['--in-memory', '--port', '0']);
    const config = await ready(run);
    expect(run.output()).toMatch(/local cloud ready in \d+ ms: .* \(in memory: nothing is kept\)/);
    const code = (await (await fetch(config.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId: '2088000000000778' }) })).json()) as {
      authCode: string;
    };
    expect((await fetch(config.SessionUrl, { method: 'POST', body: JSON.stringify(code) })).status).toBe(200);
    expect(fs.readdirSync(run.stateDir)).toEqual([]);
  }, 120_000);

  it('--seed loads a data file before serving: the demo person logs in to their todos; a bad file stops start, naming the line', async () => {
    const run = start('main', ['--in-memory', '--port', '0', '--seed', 'demo/seed.jsonl']);
    const config = await ready(run);
    const code = (await (await fetch(config.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId: '2088000000000001' }) })).json()) as {
      authCode: string;
    };
    const client = createClient(config as never, fetchTransport(fetch));
    await client.login(code.authCode);
    const seeded = fs
      .readFileSync(path.join(ROOT, 'demo', 'seed.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"table":"objects"'));
    expect((await client.list()).data).toHaveLength(seeded.length);
    expect(seeded.length).toBeGreaterThan(0);

    const bad = path.join(tempDir(), 'bad.jsonl');
    fs.writeFileSync(
      bad,
      `${fs.readFileSync(path.join(ROOT, 'demo', 'seed.jsonl'), 'utf8').split('\n')[0]}\n{"table":"todos","key":{"id":"x"},"columns":{}}\n`,
    );
    const refused = start('main', ['--in-memory', '--port', '0', '--seed', bad]);
    expect(await exited(refused)).toEqual({ code: 1, signal: null });
    expect(refused.output()).toMatch(/line 2: unknown table "todos"/);
  }, 120_000);

  it("--watch watches and stops cleanly; a function's Node warning is printed once, as one line, never per request", async () => {
    const run = start('main', ['--in-memory', '--port', '0', '--watch']);
    const config = await ready(run);
    expect(run.output()).toMatch(/^watching lambda\/ and catalog.json/m);
    const client = createClient(config as never, fetchTransport(fetch));
    for (const userId of ['2088000000000781', '2088000000000782']) {
      const code = (await (await fetch(config.authCodeUrl, { method: 'POST', body: JSON.stringify({ userId }) })).json()) as { authCode: string };
      await client.login(code.authCode);
      await client.put({ id: 'warned' });
    }
    // pop-core's kitx calls new Buffer() when session signs its STS request, at every login: one
    // warning line for the whole run. (db's tablestore calls are rewritten at synth: lib/legacy-buffer.ts.)
    expect(run.output().match(/^warning \(session\): DEP0005 /gm)).toHaveLength(1);
    expect(run.output()).not.toMatch(/^warning \(db\)/m);
    expect(run.output()).not.toMatch(/"kind":"warning"|DeprecationWarning:/);
    process.kill(run.child.pid!, 'SIGTERM');
    expect(await exited(run)).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('--state-dir puts the state where it says', async () => {
    const dir = path.join(tempDir(), 'state');
    const run = start('main', ['--port', '0', '--state-dir', dir]);
    const config = await ready(run);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'outputs.json'), 'utf8')).endpoint).toBe(config.endpoint);
    expect(fs.readdirSync(run.stateDir)).toEqual([]); // LOCAL_STATE_DIR loses to the flag
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  }, 120_000);

  it('--host 0.0.0.0 listens on every interface and gives clients the LAN address', async () => {
    const run = start('main', ['--host', '0.0.0.0', '--port', '0', '--in-memory']);
    const config = await ready(run);
    const lan = advertisedHost('0.0.0.0');
    for (const key of ['endpoint', 'SessionUrl', 'authCodeUrl'] as const) expect(new URL(config[key]).hostname).toBe(lan);
    // Reachable at that address and on loopback alike.
    const port = new URL(config.endpoint).port;
    for (const host of [lan, '127.0.0.1']) expect((await fetch(`http://${host}:${port}/demo/config.json`)).status).toBeLessThan(500);
  }, 120_000);
});

describe('advertisedHost', () => {
  const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4') =>
    ({ address, internal, family, netmask: '', mac: '', cidr: null }) as os.NetworkInterfaceInfo;

  it('names the first external IPv4 address for a wildcard, and loopback when there is none', () => {
    const interfaces = { lo: [iface('127.0.0.1', true)], eth0: [iface('fe80::1', false, 'IPv6'), iface('192.168.1.20', false)] };
    expect(advertisedHost('0.0.0.0', interfaces)).toBe('192.168.1.20');
    expect(advertisedHost('::', interfaces)).toBe('192.168.1.20');
    expect(advertisedHost('0.0.0.0', { lo: [iface('127.0.0.1', true)] })).toBe('127.0.0.1');
  });

  it('keeps a specific host, bracketing an IPv6 literal', () => {
    expect(advertisedHost('192.168.1.20')).toBe('192.168.1.20');
    expect(advertisedHost('::1')).toBe('[::1]');
  });
});
