export { AlipayGatewayEmulator, type AlipayFault, type AlipayGatewayOptions } from './gateway';
export { generateKeyPair } from './keys';
