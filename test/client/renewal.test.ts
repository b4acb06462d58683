import type { LocalCloud } from '../../local/cloud';
import { startCloud } from '../support/local';
import { calls, loggedIn, recordingTransport } from './support';

/** STS credentials last 900 s; the client renews them without the app noticing. */
describe('credential renewal', () => {
  let now = Date.now();
  let cloud: LocalCloud;
  beforeAll(async () => {
    now = Date.now();
    cloud = await startCloud({ credentialClock: () => now });
  });
  afterAll(() => cloud.stop());

  it('renews before expiry when fewer than 60 s remain (client and cloud share a clock)', async () => {
    const transport = recordingTransport();
    const client = await loggedIn(cloud, transport, { now: () => now });
    await client.put({ id: 'a' });
    const firstKey = client.session!.sts.AccessKeyId;

    now += 850 * 1000; // 50 s left: inside the margin
    expect(await client.get('a')).toMatchObject({ id: 'a' });
    expect(client.session!.sts.AccessKeyId).not.toBe(firstKey);
    // Renewed first, so FC never saw the old credentials again.
    expect(calls(transport.requests)).toEqual(['session:login', 'db:put', 'session:refresh', 'db:get']);
    expect(transport.requests.filter((r) => r.url.includes('/invocations')).length).toBe(2);
  });

  it('renews once and retries when FC refuses expired credentials (the client clock says they are fine)', async () => {
    const transport = recordingTransport();
    const client = await loggedIn(cloud, transport); // real clock: never sees the expiry coming
    await client.put({ id: 'b' });

    now += 901 * 1000;
    expect(await client.get('b')).toMatchObject({ id: 'b' });
    expect(calls(transport.requests)).toEqual(['session:login', 'db:put', 'db:get', 'session:refresh', 'db:get']);

    // The renewed credentials keep working.
    expect((await client.list()).data.map((o) => o.id)).toContain('b');
  });

  it('shares one refresh between concurrent calls', async () => {
    const transport = recordingTransport();
    const client = await loggedIn(cloud, transport, { now: () => now });
    now += 880 * 1000;
    await Promise.all([client.get('x'), client.get('y'), client.list()]);
    expect(calls(transport.requests).filter((c) => c === 'session:refresh')).toHaveLength(1);
  });
});
