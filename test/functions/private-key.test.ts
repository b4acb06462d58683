import { generateKeyPairSync } from 'node:crypto';
import { privateKeyType } from '../../lambda/shared/alipay-sdk';

/** Deployers paste whatever Alipay's key tool gave them: PKCS1 or PKCS8, PEM or bare base64. */
describe('privateKeyType', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (type: 'pkcs1' | 'pkcs8') => privateKey.export({ type, format: 'pem' }).toString();
  const bare = (type: 'pkcs1' | 'pkcs8') => privateKey.export({ type, format: 'der' }).toString('base64');

  it.each([
    ['PKCS1 PEM', pem('pkcs1'), 'PKCS1'],
    ['PKCS8 PEM', pem('pkcs8'), 'PKCS8'],
    ['PKCS1 bare base64', bare('pkcs1'), 'PKCS1'],
    ['PKCS8 bare base64', bare('pkcs8'), 'PKCS8'],
    ['PKCS8 bare base64 wrapped at 64 columns', bare('pkcs8').replace(/(.{64})/g, '$1\n'), 'PKCS8'],
  ])('%s → %s', (_name, key, expected) => {
    expect(privateKeyType(key)).toBe(expected);
  });
});
