export { StsEmulator, type StsFault, type StsOptions } from './emulator';
export type { RoleSpec } from './assume-role';
export type { TrustPolicyDocument, TrustStatement } from './trust';
