import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LocalCloud } from '../../local/cloud';
import { buildClient, emitTypes, OUTPUTS, ROOT } from '../../tools/build-client';
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

  it('fails the declarations when the public API needs a Node type or the code a built-in newer than ES2017', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-types-'));
    try {
      // A type alone never reaches the bundles (the check above cannot see it), yet a consumer without @types/node could not compile it.
      fs.writeFileSync(path.join(dir, 'entry.ts'), 'export type Body = Buffer | string;\nexport const flat = (a: number[][]): number[] => a.flat();\n');
      const project = { extends: path.join(ROOT, 'client', 'tsconfig.json'), compilerOptions: { rootDir: '.' }, files: ['entry.ts'], include: [] };
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(project));
      let message = '';
      try {
        emitTypes(path.join(dir, 'tsconfig.json'), path.join(dir, 'types'));
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/Cannot find name 'Buffer'/);
      expect(message).toMatch(/Property 'flat' does not exist/);
      expect(fs.readdirSync(dir).sort()).toEqual(['entry.ts', 'tsconfig.json']);
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
      // Evaluated the way a mini-program runtime evaluates a plain .js file: a module and exports
      // object, and a require the bundle must never call (it needs nothing from outside).
      const module = { exports: {} as typeof import('../../client') };
      const requireNothing = (name: string) => {
        throw new Error(`the bundle required ${name}`);
      };
      new Function('module', 'exports', 'require', fs.readFileSync(OUTPUTS.cjs, 'utf8'))(module, module.exports, requireNothing);
      const lib = module.exports;
      const client = lib.createClient(cloud.config, lib.fetchTransport(fetch));
      await client.login(await authCode(cloud, '2088000000000202'));
      expect(await client.put({ id: 'bundled' })).toMatchObject({ id: 'bundled', version: 1 });
      await expect(client.update({ id: 'bundled' }, { ifVersion: 7 })).rejects.toMatchObject({ name: 'ClientError', code: 'Conflict' });
    });
  });
});
