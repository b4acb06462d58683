import type { CredentialStore, IssuedCredentials } from '../credentials';
import { stsErrors } from './errors';
import type { NonceLedger } from './nonces';
import { rpcSignatureMatches } from './rpc-signature';

/** POP accepts a request whose Timestamp is within 15 minutes of its clock, either way. */
export const TIMESTAMP_WINDOW_MS = 15 * 60_000;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/**
 * RPC v1 authentication of one request: signature parameters, Timestamp, the caller's temporary
 * credentials, the HMAC-SHA1 signature, then nonce replay. The nonce is recorded only once the
 * signature is good, so forged requests cannot burn a legitimate caller's nonces.
 * Returns the caller's credentials (their `principal` is who is calling); throws StsError.
 */
export function authenticate(
  method: string,
  params: Record<string, string>,
  credentials: CredentialStore,
  nonces: NonceLedger,
  now: number,
): IssuedCredentials {
  if (!params.Signature || params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') {
    throw stsErrors.incompleteSignature();
  }
  if (!params.AccessKeyId) throw stsErrors.missing('AccessKeyId');
  if (!params.SignatureNonce) throw stsErrors.missing('SignatureNonce');
  if (!params.Timestamp) throw stsErrors.missing('Timestamp');
  const ts = ISO_UTC.test(params.Timestamp) ? Date.parse(params.Timestamp) : NaN;
  if (Number.isNaN(ts)) throw stsErrors.timestampFormat();
  if (Math.abs(now - ts) > TIMESTAMP_WINDOW_MS) throw stsErrors.timestampExpired();

  const check = credentials.check(params.AccessKeyId, params.SecurityToken);
  if (!check.ok) {
    if (check.code === 'InvalidAccessKeyId') throw stsErrors.accessKeyNotFound();
    if (check.code === 'SecurityTokenExpired') throw stsErrors.tokenExpired();
    // Every key in the store is temporary, so a missing token is "mandatory", a wrong one a mismatch.
    throw params.SecurityToken ? stsErrors.tokenMismatch() : stsErrors.missing('SecurityToken');
  }
  if (!rpcSignatureMatches(method, params, check.credentials.accessKeySecret)) throw stsErrors.signatureMismatch();
  // A replay after ts + window fails the timestamp check above, so the nonce need not outlive it.
  if (!nonces.claim(params.AccessKeyId, params.SignatureNonce, now, ts + TIMESTAMP_WINDOW_MS)) throw stsErrors.nonceUsed();
  return check.credentials;
}
