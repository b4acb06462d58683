/**
 * The ids Alipay gives an app for a user. Older appIds get `user_id` (`2088` + 12 digits, one per
 * person); new appIds get `open_id` instead (one per person per app; about 46 alphanumerics in
 * real answers); apps being migrated get both for a while. `union_id` is shared by one
 * developer's apps and never comes alone. `alipay.system.oauth.token` carries exactly the ids the
 * app is entitled to, so the local Alipay answers with exactly the ids its auth code was issued for.
 */
export interface AlipayIds {
  userId?: string;
  openId?: string;
  unionId?: string;
}

/** A 16-digit Alipay user id (`2088` + 12 digits). */
export const USER_ID_PATTERN = /^2088\d{12}$/;
/**
 * No format for open_id or union_id was found in Alipay's docs; real open_ids are about 46
 * alphanumerics. The local pattern also takes `_` and `-`, so a developer can pick readable test
 * ids, and bounds the length, so a dev request can't mint ids of any size.
 */
export const OPEN_ID_PATTERN = /^[0-9A-Za-z_-]{1,64}$/;
export const UNION_ID_PATTERN = /^[0-9A-Za-z_-]{1,64}$/;
