import type { Refusal } from '../http';

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
  new OtsError(403, 'OTSNoPermissionAccess', 'You have no permission to access the requested resource, please contact the resource owner.');
/** Malformed PlainBuffer input: the real service answers these with OTSParameterInvalid too. */
export const dataBroken = (detail: string): OtsError => parameterInvalid(`Cell data broken, ${detail}.`);

/**
 * A String/Binary primary-key value over its limit (1024 bytes). The wording is what the service
 * answers today: the Java SDK's function tests assert "The length of primary key column: 'pk_0'
 * exceeds the MaxLength:1024 with CurrentLength:1025." (aliyun/aliyun-tablestore-java-sdk,
 * functiontest/RestrictedItemTest.java); the error-code reference documents the same template,
 * https://www.alibabacloud.com/help/en/tablestore/developer-reference/error-codes.
 */
export const pkValueTooLong = (column: string, max: number, length: number): OtsError =>
  parameterInvalid(`The length of primary key column: '${column}' exceeds the MaxLength:${max} with CurrentLength:${length}.`);

/**
 * A String/Binary attribute value over its limit (2 MB). Wording from the Java SDK's function tests
 * against the service ("The length of attribute column: 'attr' exceeds the MaxLength:2097152 with
 * CurrentLength:2097153.", RestrictedItemTest.java testCase23). The error-code reference above still
 * prints an older form ("… exceeded the MaxLength:{MaxSize} with Current Length:{CellSize}."), from
 * when the limit was 64 KB (the Python SDK's old tests); the newer tests are the 2 MB service.
 */
export const attributeValueTooLong = (column: string, max: number, length: number): OtsError =>
  parameterInvalid(`The length of attribute column: '${column}' exceeds the MaxLength:${max} with CurrentLength:${length}.`);

/**
 * The instance's network ACL does not allow the network the request came from. Source:
 * https://www.alibabacloud.com/help/en/tablestore/table-store-service/support/request-rejected-by-instance-acl-policies-exception-when-using-the-sdk-to-access-tablestore
 * ("[ErrorCode]:OTSAuthFailed, [Message]:Request denied by instance ACL policies., … [HttpStatus:]403").
 */
export const deniedByInstanceAcl = (): OtsError => authFailed('Request denied by instance ACL policies.');

/** Body over the request size limit. Source: the error-code reference above (413, "The size of POST data is too large."). */
export const requestBodyTooLarge = (): OtsError => new OtsError(413, 'OTSRequestBodyTooLarge', 'The size of POST data is too large.');

/** "HTTP message errors" of the same reference: 408 OTSRequestTimeout, the client took too long to send its request. */
export const requestTimeout = (): OtsError => new OtsError(408, 'OTSRequestTimeout', 'Request timeout.');

/** The service's 500, for anything that is not a service error (an emulator bug). */
export const internalServerError = (): OtsError => new OtsError(500, 'OTSInternalServerError', 'Internal server error.');

/**
 * The service's words for what the shared HTTP front refused (local/http.ts). Body size and slowness
 * have their own codes above; the reference has none for HTTP that cannot be parsed, so
 * OTSParameterInvalid, the code for every other malformed request.
 */
export function refusalError(refusal: Refusal): OtsError {
  switch (refusal.kind) {
    case 'body-too-large':
      return requestBodyTooLarge();
    case 'timeout':
      return requestTimeout();
    case 'headers-too-large':
      return parameterInvalid('Request line and headers are too large.');
    case 'malformed':
      return parameterInvalid('Invalid HTTP request.');
    case 'internal':
      return internalServerError();
  }
}
