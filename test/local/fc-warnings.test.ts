import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type FC from '@alicloud/fc2';
import { CredentialStore } from '../../local/credentials';
import { FcEmulator } from '../../local/fc';
import { ACCOUNT, functionSpec, invokerClient, REGION, SERVICE_ROLES } from '../support/fc-emulator';

/**
 * Process warnings of function instances (Node's DEP0005 when the tablestore SDK calls
 * `new Buffer()`): each distinct one is one structured line of the local FC, once per local cloud,
 * and never a line of the functions' own log (the per-request stream of `npm start`).
 */
/** What tablestore 5.x does (`new Buffer(n)`), a warning of the code's own raised on every call, and a request line. */
const WARNS = `exports.handler = async () => {
  new Buffer(4);
  Buffer(4);
  process.emitWarning('the ledger format is deprecated', { type: 'DeprecationWarning', code: 'LEDGER_V1' });
  console.log(JSON.stringify({ op: 'warns', outcome: 'ok' }));
  return 'ok';
};`;

describe('local FC: process warnings of the instances', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fc-warnings-test-'));
  const credentials = new CredentialStore();
  const logs: Record<string, unknown>[] = [];
  const functionLogs: string[] = [];
  let fc: FcEmulator;
  let client: FC;

  const spec = (name: string) => functionSpec(root, name, WARNS);
  const invoke = async (name: string) => {
    const res = await client.invokeFunction('svc', name, '');
    expect(res.headers['x-fc-error-type']).toBeUndefined();
  };
  const warnings = () => logs.filter((l) => l.kind === 'warning');

  beforeAll(async () => {
    fc = new FcEmulator({
      accountId: ACCOUNT,
      region: REGION,
      functions: [spec('first'), spec('second')],
      serviceRoles: SERVICE_ROLES,
      credentials,
      log: (line) => logs.push(line),
      onFunctionLog: (_fn, line) => functionLogs.push(line),
    });
    await fc.listen();
    client = invokerClient(credentials, fc.url);
  });
  afterAll(async () => {
    await fc.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('reports each distinct warning once per local cloud, across invocations, cold starts and functions', async () => {
    await invoke('first');
    await invoke('first');
    // A second cold start of the same function, and another function: both raise the same warnings again.
    await fc.replaceCode('svc', 'first', fc.instance('svc', 'first')!.spec.codeDir);
    await invoke('first');
    await invoke('second');
    // Warnings travel beside the results; give a late one time to arrive, so a duplicate would show.
    await new Promise((r) => setTimeout(r, 200));

    expect(warnings()).toEqual([
      {
        service: 'fc',
        kind: 'warning',
        function: 'first',
        name: 'DeprecationWarning',
        code: 'DEP0005',
        message: expect.stringMatching(/^Buffer\(\) is deprecated/),
      },
      { service: 'fc', kind: 'warning', function: 'first', name: 'DeprecationWarning', code: 'LEDGER_V1', message: 'the ledger format is deprecated' },
    ]);
    // Not request lines: no request id, status or duration.
    for (const w of warnings()) expect(Object.keys(w)).not.toEqual(expect.arrayContaining(['requestId']));
  });

  it("keeps warnings out of the functions' own log, which holds only what the code printed", () => {
    expect(functionLogs).toEqual(Array(4).fill('{"op":"warns","outcome":"ok"}'));
  });
});
