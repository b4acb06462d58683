import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalCloud } from '../../local/cloud';
import { buildClient, OUTPUTS } from '../../tools/build-client';
import { authCode, startCloud } from '../support/local';

/** The built bundle is what a mini-program ships: it must carry no Node import and still work. */
describe('client bundle (npm run build:client)', () => {
  let built: Awaited<ReturnType<typeof buildClient>>;
  beforeAll(async () => {
    built = await buildClient();
  });

  it('contains no Node built-in import or Node-only global', () => {
    for (const { file, bytes, gzipBytes } of built) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toMatch(/require\(\s*["'](node:)?(crypto|buffer|http|https|fs|path|os|url|zlib|stream|util|querystring)["']\s*\)/);
      expect(text).not.toMatch(/from\s*["']node:/);
      expect(text).not.toMatch(/\bBuffer\b|\bprocess\./);
      expect(bytes).toBeLessThan(30 * 1024);
      expect(gzipBytes).toBeLessThan(bytes);
    }
  });

  it('fails the build when anything pulls in a Node built-in', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-build-'));
    try {
      const entry = path.join(dir, 'entry.ts');
      fs.writeFileSync(entry, "import { createHash } from 'crypto';\nexport const h = createHash('md5');\n");
      await expect(buildClient(entry, { esm: path.join(dir, 'a.js'), cjs: path.join(dir, 'b.js') })).rejects.toThrow(/crypto/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('the CommonJS bundle, loaded as a mini-program would', () => {
    let cloud: LocalCloud;
    beforeAll(async () => {
      cloud = await startCloud();
    });
    afterAll(() => cloud.stop());

    it('logs in and round-trips an object', async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const lib = require(OUTPUTS.cjs) as typeof import('../../client');
      const client = lib.createClient(cloud.config, lib.fetchTransport(fetch));
      await client.login(await authCode(cloud, '2088000000000202'));
      expect(await client.put({ id: 'bundled' })).toMatchObject({ id: 'bundled', version: 1 });
      await expect(client.update({ id: 'bundled' }, { ifVersion: 7 })).rejects.toMatchObject({ name: 'ClientError', code: 'Conflict' });
    });
  });
});
