import type { ErrorAnswer, Refusal } from '../http';

/**
 * An STS/POP error answer. Codes, HTTP statuses and messages follow Alibaba Cloud's published
 * AssumeRole error table and the POP gateway's common errors.
 */
export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const durationLimit = (maxSeconds: number): string => (maxSeconds === 3600 ? '1hr' : maxSeconds % 3600 === 0 ? `${maxSeconds / 3600}hr` : `${maxSeconds}s`);

export const stsErrors = {
  // POP gateway: request shape, authentication, replay protection
  actionNotFound: () => new StsError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  invalidVersion: () => new StsError(400, 'InvalidVersion', 'Specified parameter Version is not valid.'),
  missing: (name: string) => new StsError(400, `Missing${name}`, `${name} is mandatory for this action.`),
  incompleteSignature: () => new StsError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.'),
  timestampFormat: () => new StsError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () => new StsError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  accessKeyNotFound: () => new StsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  tokenMismatch: () => new StsError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'),
  tokenExpired: () => new StsError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  // Real STS appends its string to sign; left out because it contains the caller's SecurityToken.
  signatureMismatch: () => new StsError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.'),
  nonceUsed: () => new StsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  // AssumeRole
  roleArn: () => new StsError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.'),
  roleSessionName: () => new StsError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  durationSeconds: (maxSeconds: number) =>
    new StsError(400, 'InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is 15min/${durationLimit(maxSeconds)}.`),
  policyGrammar: () => new StsError(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.'),
  policySize: (maxBytes: number) => new StsError(400, 'InvalidParameter.PolicySize', `The size of Policy must be smaller than ${maxBytes} bytes.`),
  roleNotFound: () => new StsError(404, 'EntityNotExist.Role', 'The specified Role not exists .'),
  noPermission: () => new StsError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
  notTrusted: () =>
    new StsError(
      403,
      'NoPermission',
      'No permission perform sts:AssumeRole on this Role. Maybe you are not authorized to perform sts:AssumeRole or the specified role does not trust you',
    ),
};

const HOST_ID = 'sts.aliyuncs.com';

/** The error body real STS sends: `{RequestId, HostId, Code, Message, Recommend}`. */
export function stsErrorBody(requestId: string, code: string, message: string): Record<string, unknown> {
  return {
    RequestId: requestId,
    HostId: HOST_ID,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Sts`,
  };
}

export function stsErrorAnswer(err: StsError, requestId: string): ErrorAnswer {
  return {
    status: err.status,
    code: err.code,
    headers: { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId },
    body: JSON.stringify(stsErrorBody(requestId, err.code, err.message)),
  };
}

/** Any failure that is not an StsError: the POP gateway's 500. */
export const internalError = (): StsError => new StsError(500, 'InternalError', 'STS Server Internal Error happened.');

/**
 * STS's words for what the shared HTTP front refused (local/http.ts). POP publishes no code for an
 * unparseable request, one too slow to arrive or one too large, so these use its common-error
 * shapes (InvalidParameter 400, InternalError 500; https://help.aliyun.com/document_detail/51132.html)
 * and HTTP's own statuses.
 */
export function refusalError(refusal: Refusal): StsError {
  switch (refusal.kind) {
    case 'body-too-large':
      return new StsError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    case 'headers-too-large':
      return new StsError(431, 'RequestHeaderFieldsTooLarge', 'The request line and headers are too large.');
    case 'malformed':
      return new StsError(400, 'InvalidParameter', 'The request is not a valid HTTP request.');
    case 'timeout':
      return new StsError(408, 'RequestTimeout', 'The request was not received in time.');
    case 'internal':
      return internalError();
  }
}
