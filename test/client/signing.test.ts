import { createHash, createHmac } from 'node:crypto';
// fc2's own string-to-sign, to prove the client signs byte for byte as the SDK FC was built against.

const { composeStringToSign } = require('@alicloud/fc2/lib/helper.js') as {
  composeStringToSign: (method: string, path: string, headers: Record<string, string>, queries?: unknown) => string;
};
import { contentMd5, signInvoke, stringToSign } from '../../client/signing';
import * as verifier from '../../local/fc/signature';

const creds = { accessKeyId: 'STS.abc', accessKeySecret: 's3cr3t/+=', securityToken: 'CAIStoken' };

describe('InvokeFunction signing', () => {
  const bodies = ['', '{"sid":"x","op":"list"}', JSON.stringify({ sid: 'é', op: 'put', obj: { id: '买牛奶 🥛', text: 'x'.repeat(5000) } })];

  it.each(bodies)('signs as fc2 does and as local FC verifies (body %#)', (body) => {
    const now = new Date('2025-01-02T03:04:05Z');
    const { path, headers } = signInvoke(creds, '1000000000000001', 'miniapp', 'db', body, now);
    expect(path).toBe('/2016-08-15/services/miniapp/functions/db/invocations');
    expect(headers.date).toBe('Thu, 02 Jan 2025 03:04:05 GMT');
    expect(headers['x-fc-date']).toBe(headers.date);

    // Content-MD5: fc2's quirk, base64 of the hex digest.
    const hex = createHash('md5').update(body, 'utf8').digest('hex');
    expect(headers['content-md5']).toBe(Buffer.from(hex).toString('base64'));
    expect(headers['content-md5']).toBe(verifier.contentMd5(Buffer.from(body, 'utf8')));

    const text = composeStringToSign('POST', path, headers);
    expect(stringToSign('POST', path, headers, headers.date)).toBe(text);
    expect(headers.authorization).toBe(`FC STS.abc:${createHmac('sha256', creds.accessKeySecret).update(text, 'utf8').digest('base64')}`);

    const expected = verifier.sign(creds.accessKeySecret, verifier.stringToSign('POST', path, headers));
    expect(headers.authorization).toBe(`FC STS.abc:${expected}`);
  });

  it('verifies the same signature when a browser drops Date (x-fc-date stands in)', () => {
    const { path, headers } = signInvoke(creds, '1', 'miniapp', 'db', '{}');
    const { date: _dropped, ...browserSent } = headers;
    const expected = verifier.sign(creds.accessKeySecret, verifier.stringToSign('POST', path, browserSent));
    expect(headers.authorization).toBe(`FC STS.abc:${expected}`);
  });

  it('contentMd5 over UTF-8 bytes', () => {
    expect(contentMd5(new TextEncoder().encode('é'))).toBe(Buffer.from(createHash('md5').update('é').digest('hex')).toString('base64'));
  });
});
