export { AlipayGatewayEmulator, DEFAULT_SELLER_ID, NO_AES_KEY_ERROR, type AlipayFault, type AlipayGatewayOptions } from './gateway';
export { OPEN_ID_PATTERN, UNION_ID_PATTERN, USER_ID_PATTERN, type AlipayIds } from './ids';
export { generateAesKey, generateKeyPair } from './keys';
export { newNotifyId, notificationSignContent, signedNotification, tradeNotificationParams, type NotificationContext } from './notification';
export {
  DEFAULT_NOTIFY_DELAY_SCALE,
  MAX_NOTIFY_ANSWER_BYTES,
  NOTIFY_ATTEMPTS,
  NOTIFY_RETRY_DELAYS_MS,
  type NotificationAttempt,
  type NotificationInfo,
  type NotifyFault,
} from './notifier';
export { MOBILE_PATTERN, isAesKey, phoneNumberPayload, type PhoneNumberPayload } from './phone';
export { RESULT_CODE } from './trade-dev';
export { OUT_TRADE_NO_PATTERN, TRADE_NO_PATTERN, type Buyer } from './trade-request';
export type { Trade, TradeStatus } from './trades';
