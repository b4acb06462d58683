import { ClientError, createClient, myRequestTransport, type MyLike } from '../../client';
import type { LocalCloud } from '../../local/cloud';
import { authCode, startCloud } from '../support/local';
import { rejection } from './support';

/**
 * A stand-in for the Alipay `my` object that performs real HTTP with Node's fetch and answers
 * as my.request is documented to: `success({status, headers, data})` for 2xx, `fail` with
 * `error: 19` (HTTP error) plus status, headers and data otherwise, and `fail` without a status
 * when the network fails. `dataType: 'text'` means `data` is the raw body.
 */
function fakeMy(): MyLike & { seen: { headers: Record<string, string>; dataType: string; method: string }[] } {
  const seen: { headers: Record<string, string>; dataType: string; method: string }[] = [];
  return {
    seen,
    request(o) {
      seen.push({ headers: o.headers, dataType: o.dataType, method: o.method });
      for (const [k, v] of Object.entries(o.headers)) if (typeof v !== 'string') throw new Error(`my.request: header ${k} must be a string`);
      fetch(o.url, { method: o.method, headers: o.headers, body: o.data })
        .then(async (res) => {
          const headers: Record<string, string> = {};
          res.headers.forEach((v, k) => {
            headers[k] = v;
          });
          const data = await res.text();
          if (res.status >= 200 && res.status < 300) o.success({ status: res.status, headers, data });
          else o.fail({ error: 19, errorMessage: 'http status error', status: res.status, headers, data });
        })
        .catch(() => o.fail({ error: 12, errorMessage: 'network error' }));
    },
  };
}

describe('myRequestTransport (the Alipay mini-program adapter)', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.stop());

  it('logs in and works with the db through my.request', async () => {
    const my = fakeMy();
    const client = createClient(cloud.config, myRequestTransport(my));
    await client.login(await authCode(cloud, '2088000000000101'));
    await client.put({ id: 'todo', text: '小程序' });
    expect(await client.get('todo')).toMatchObject({ text: '小程序', version: 1 });
    expect(my.seen.every((r) => r.dataType === 'text' && r.method === 'POST')).toBe(true);
    expect(my.seen[1].headers).toMatchObject({
      'x-fc-date': expect.any(String),
      'content-md5': expect.any(String),
      authorization: expect.stringMatching(/^FC STS\./),
    });
  });

  it('reads non-2xx answers delivered to fail() as answers, with their codes', async () => {
    const client = createClient(cloud.config, myRequestTransport(fakeMy()));
    expect(await rejection(client.login('used-or-invalid'))).toMatchObject({ code: 'AuthCodeInvalid', status: 401 });
  });

  it('reports a network failure as NetworkError', async () => {
    const client = createClient({ ...cloud.config, SessionUrl: 'http://127.0.0.1:1/' }, myRequestTransport(fakeMy()));
    const err = await rejection(client.login('x'));
    expect(err).toBeInstanceOf(ClientError);
    expect(err.code).toBe('NetworkError');
  });
});
