import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ALIPAY_GATEWAY, ALIPAY_SANDBOX_GATEWAY } from '../../lib/alipay-gateway';
import type { LocalCloud } from '../../local/cloud';
import { authCode, newUserId, OUTDIR, postSession, startCloud } from '../support/local';

/**
 * A stack synthesized with cdk.json's "alipayGateway": "sandbox" names the sandbox gateway in its
 * functions' environment; the local cloud plays that host with the same Alipay emulator, so
 * `npm start` works with the switch on. The template is today's, with the gateway swapped as the
 * switch swaps it (test/stack/config.test.ts checks that synth does exactly that).
 */
describe('local cloud with the Alipay sandbox gateway', () => {
  let outdir: string;
  let cloud: LocalCloud;

  beforeAll(async () => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-outdir-'));
    for (const entry of fs.readdirSync(OUTDIR)) {
      if (entry.endsWith('.template.json')) {
        const template = fs.readFileSync(path.join(OUTDIR, entry), 'utf8');
        expect(template).toContain(ALIPAY_GATEWAY);
        fs.writeFileSync(path.join(outdir, entry), template.split(ALIPAY_GATEWAY).join(ALIPAY_SANDBOX_GATEWAY));
      } else {
        fs.symlinkSync(path.join(OUTDIR, entry), path.join(outdir, entry));
      }
    }
    cloud = await startCloud({ outdir });
  });

  afterAll(async () => {
    await cloud?.stop();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  it('deploys functions that call the sandbox gateway, and a login through it works', async () => {
    const session = cloud.deployment.resources.find((r) => r.type === 'ALIYUN::FC::Function' && r.props.FunctionName === 'session');
    expect(session?.props.EnvironmentVariables.ALIPAY_GATEWAY).toBe(ALIPAY_SANDBOX_GATEWAY);
    const res = await postSession(cloud, { authCode: await authCode(cloud, newUserId()) });
    expect(res.status).toBe(200);
    expect(res.body.sessionId).toEqual(expect.any(String));
  });
});
