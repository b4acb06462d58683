/**
 * The instance's network ACL (ALIYUN::OTS::InstanceV2 `NetworkTypeAcl`): which kinds of network
 * may reach the instance. The emulator stands in for the instance's public (Internet) endpoint
 * only, so it serves requests exactly when the ACL lets INTERNET in.
 *
 * Where the check sits: the service's authentication flow checks the signature and the session
 * policy first, then, for data-plane APIs, the network ACL, then RAM and instance policies
 * ("Authentication process", https://help.aliyun.com/en/tablestore/tablestore-authentication-details,
 * steps 2-4). So a request with a bad signature gets "Signature mismatch." even from a refused
 * network, and a correctly signed one gets the ACL refusal before RAM (OTSNoPermissionAccess) and
 * before its operation and body are looked at. The emulator evaluates the session policy together with the RAM policy, per
 * table, after the ACL: a request both outside its session policy and from a refused network is
 * answered with the ACL refusal here (the service would name the session policy).
 */
import { deniedByInstanceAcl } from './errors';

export type NetworkType = 'INTERNET' | 'VPC' | 'CLASSIC';

/**
 * An instance's ACL when its template sets none: VPC and classic network, no Internet.
 * Sources: the Terraform provider's `alicloud_ots_instance.network_type_acl` ("Default to ["VPC", "CLASSIC"]",
 * https://help.aliyun.com/document_detail/2588262.html) and the service's own note that "By default, Internet
 * access is disabled for an instance" (https://www.alibabacloud.com/help/en/tablestore/table-store-service/support/request-rejected-by-instance-acl-policies-exception-when-using-the-sdk-to-access-tablestore).
 * Another copy of the provider page (https://help.aliyun.com/zh/terraform/alicloud-ots-instance) says
 * ["VPC", "CLASSIC", "INTERNET"]; it predates the service's note and is not followed.
 */
export const DEFAULT_NETWORK_TYPE_ACL: readonly NetworkType[] = ['VPC', 'CLASSIC'];

/** The network every request to the emulator arrives over (it serves the public endpoint). */
export const EMULATED_NETWORK: NetworkType = 'INTERNET';

/** Throws the service's 403 unless the ACL admits the emulated network; no ACL given = not enforced. */
export function checkNetworkAcl(acl: readonly string[] | undefined): void {
  if (acl && !acl.includes(EMULATED_NETWORK)) throw deniedByInstanceAcl();
}
