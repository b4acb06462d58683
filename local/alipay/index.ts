export { AlipayGatewayEmulator, NO_AES_KEY_ERROR, type AlipayFault, type AlipayGatewayOptions } from './gateway';
export { OPEN_ID_PATTERN, UNION_ID_PATTERN, USER_ID_PATTERN, type AlipayIds } from './ids';
export { generateAesKey, generateKeyPair } from './keys';
export { MOBILE_PATTERN, isAesKey, phoneNumberPayload, type PhoneNumberPayload } from './phone';
