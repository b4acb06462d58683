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

const durationLimit = (maxSeconds: number): string =>
  maxSeconds === 3600 ? '1hr' : maxSeconds % 3600 === 0 ? `${maxSeconds / 3600}hr` : `${maxSeconds}s`;

export const stsErrors = {
  // POP gateway: request shape, authentication, replay protection
  actionNotFound: () => new StsError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.'),
  invalidVersion: () => new StsError(400, 'InvalidVersion', 'Specified parameter Version is not valid.'),
  missing: (name: string) => new StsError(400, `Missing${name}`, `${name} is mandatory for this action.`),
  incompleteSignature: () => new StsError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.'),
  timestampFormat: () => new StsError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () => new StsError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  accessKeyNotFound: () => new StsError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  tokenMismatch: () =>
    new StsError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'),
  tokenExpired: () => new StsError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'),
  // Real STS appends its string to sign; left out because it contains the caller's SecurityToken.
  signatureMismatch: () =>
    new StsError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.'),
  nonceUsed: () => new StsError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  // AssumeRole
  roleArn: () => new StsError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.'),
  roleSessionName: () => new StsError(400, 'InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  durationSeconds: (maxSeconds: number) =>
    new StsError(400, 'InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is 15min/${durationLimit(maxSeconds)}.`),
  policyGrammar: () => new StsError(400, 'InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.'),
  policySize: (maxBytes: number) =>
    new StsError(400, 'InvalidParameter.PolicySize', `The size of Policy must be smaller than ${maxBytes} bytes.`),
  roleNotFound: () => new StsError(404, 'EntityNotExist.Role', 'The specified Role not exists .'),
  noPermission: () =>
    new StsError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.'),
  notTrusted: () =>
    new StsError(
      403,
      'NoPermission',
      'No permission perform sts:AssumeRole on this Role. Maybe you are not authorized to perform sts:AssumeRole or the specified role does not trust you',
    ),
};
