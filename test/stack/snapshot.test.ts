import { createHash } from 'node:crypto';
import { Synthesized, synth, synthCached } from './synth';
import { resourcesOfType } from './template';

describe('synthesized template', () => {
  it('matches the snapshot (asset hashes aside: they follow lambda/ and are pinned by the determinism test)', () => {
    const { template } = synthCached();
    const functions = resourcesOfType(template, 'ALIYUN::FC::Function');
    expect(functions.length).toBeGreaterThan(0);
    // Property matchers: the function code's object key is the hash of its bundle, which changes
    // with every edit in lambda/. Everything else is snapshotted byte for byte.
    const codeMatchers = Object.fromEntries(
      functions.map(([id]) => [id, { Properties: { Code: { OssObjectName: expect.stringMatching(/^[0-9a-f]{64}\.zip$/) } } }]),
    );
    expect(template).toMatchSnapshot({ Resources: codeMatchers });
  });
});

describe('determinism: same source, same output', () => {
  // Two complete synths into two fresh directories (the asset staging cache is keyed by outdir,
  // so the second one bundles again rather than reusing the first's result).
  let first: Synthesized;
  let second: Synthesized;
  beforeAll(() => {
    first = synth();
    second = synth();
  });

  it('writes byte-identical template JSON', () => {
    expect(second.templateJson).toBe(first.templateJson);
    expect(JSON.stringify(second.template)).toBe(JSON.stringify(first.template));
  });

  it('gives the same asset hashes, one per function, each the object key of its function code', () => {
    expect(first.assetHashes).toHaveLength(resourcesOfType(first.template, 'ALIYUN::FC::Function').length);
    expect(second.assetHashes).toEqual(first.assetHashes);
    const objectKeys = resourcesOfType(first.template, 'ALIYUN::FC::Function')
      .map(([, r]) => r.Properties?.Code?.OssObjectName)
      .sort();
    expect(objectKeys).toEqual(first.assetHashes.map((h) => `${h}.zip`).sort());
    // The two functions are different code: one shared hash would mean one bundle serves both.
    expect(new Set(first.assetHashes).size).toBe(first.assetHashes.length);
  });

  it('writes identical asset manifests and bundles', () => {
    expect(second.files.get('MiniAppStack.assets.json')?.toString()).toBe(first.files.get('MiniAppStack.assets.json')?.toString());
    const digest = (s: Synthesized) =>
      [...s.files]
        .filter(([name]) => name.startsWith('asset.'))
        .map(([name, body]) => `${name} ${createHash('sha256').update(body).digest('hex')}`)
        .sort();
    expect(digest(first).length).toBeGreaterThan(0);
    expect(digest(second)).toEqual(digest(first));
  });
});
