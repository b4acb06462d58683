export { utf8Encode } from './utf8';
export { toBase64, toHex } from './encoding';
export { md5 } from './md5';
export { sha256 } from './sha256';
export { hmacSha256 } from './hmac';
