/**
 * Tablestore errors as the real service reports them: an HTTP status plus a protobuf
 * `Error{code, message}` body. Codes and messages follow the public error-code reference
 * (help.aliyun.com/document_detail/27300), so application code that string-matches them
 * behaves the same locally and in the cloud.
 */
export class OtsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const conditionCheckFail = (): OtsError => new OtsError(403, 'OTSConditionCheckFail', 'Condition check failed.');
export const tableNotExist = (): OtsError => new OtsError(404, 'OTSObjectNotExist', 'Requested table does not exist.');
export const parameterInvalid = (message: string): OtsError => new OtsError(400, 'OTSParameterInvalid', message);
export const invalidPk = (message: string): OtsError => new OtsError(400, 'OTSInvalidPK', message);
export const authFailed = (message: string): OtsError => new OtsError(403, 'OTSAuthFailed', message);
export const noPermission = (): OtsError =>
  new OtsError(
    403,
    'OTSNoPermissionAccess',
    'You have no permission to access the requested resource, please contact the resource owner.',
  );
/** Malformed PlainBuffer input: the real service answers these with OTSParameterInvalid too. */
export const dataBroken = (detail: string): OtsError => parameterInvalid(`Cell data broken, ${detail}.`);
