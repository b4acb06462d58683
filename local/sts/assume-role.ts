import { createHash } from 'node:crypto';
import type { CredentialStore, IssuedCredentials, PolicyDocument } from '../credentials';
import { principalAllows } from '../policy';
import { stsErrors } from './errors';
import { parseSessionPolicy } from './session-policy';
import { parseRoleArn, trustAllows, type TrustPolicyDocument } from './trust';

export interface RoleSpec {
  arn: string;
  policies: PolicyDocument[];
  /** AssumeRolePolicyDocument: who may assume the role. */
  trust: TrustPolicyDocument;
  /** Seconds, 3600–43200 in RAM. */
  maxSessionDuration: number;
}

const SESSION_NAME = /^[\w.@-]{2,64}$/;
const DEFAULT_DURATION_S = 3600;
const MIN_DURATION_S = 900;

/** RAM role ids are long decimal numbers; derive a stable one from the ARN. */
function roleId(arn: string): string {
  const n = BigInt(`0x${createHash('sha256').update(arn).digest('hex').slice(0, 15)}`);
  return `3${n.toString().padStart(18, '0').slice(-18)}`;
}

/** Whole seconds, UTC, as STS writes `Expiration`: `2026-01-01T00:00:00Z`. */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function durationSeconds(raw: string | undefined, max: number): number {
  if (raw === undefined) return Math.min(DEFAULT_DURATION_S, max);
  const n = /^\d{1,6}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= MIN_DURATION_S && n <= max)) throw stsErrors.durationSeconds(max);
  return n;
}

/**
 * AssumeRole for an already authenticated caller. Parameter checks come first, in the order of
 * STS's error table, then the two grants real STS needs: the caller's own policies must allow
 * `sts:AssumeRole` on the role, and the role's trust policy must name the caller. Throws StsError.
 */
export function assumeRole(
  params: Record<string, string>,
  roles: ReadonlyMap<string, RoleSpec>,
  credentials: CredentialStore,
  caller: IssuedCredentials,
): Record<string, unknown> {
  const { RoleArn, RoleSessionName, Policy } = params;
  if (!RoleArn) throw stsErrors.missing('RoleArn');
  const arn = parseRoleArn(RoleArn);
  if (!arn) throw stsErrors.roleArn();
  if (!RoleSessionName) throw stsErrors.missing('RoleSessionName');
  if (!SESSION_NAME.test(RoleSessionName)) throw stsErrors.roleSessionName();
  const role = roles.get(RoleArn);
  const duration = durationSeconds(params.DurationSeconds, role?.maxSessionDuration ?? 43200);
  let sessionPolicy: PolicyDocument | undefined;
  if (Policy !== undefined) {
    const parsed = parseSessionPolicy(Policy);
    if (parsed instanceof Error) throw parsed;
    sessionPolicy = parsed;
  }
  if (!role) throw stsErrors.roleNotFound();
  if (!principalAllows(caller.principal, 'sts:AssumeRole', RoleArn)) throw stsErrors.noPermission();
  if (!trustAllows(role.trust, caller.principal.roleArn)) throw stsErrors.notTrusted();

  const issued = credentials.issue({ roleArn: RoleArn, rolePolicies: role.policies, sessionPolicy, sessionName: RoleSessionName }, duration);
  return {
    AssumedRoleUser: {
      Arn: `acs:ram::${arn.accountId}:role/${arn.roleName}/${RoleSessionName}`,
      AssumedRoleId: `${roleId(RoleArn)}:${RoleSessionName}`,
    },
    Credentials: {
      AccessKeyId: issued.accessKeyId,
      AccessKeySecret: issued.accessKeySecret,
      SecurityToken: issued.securityToken,
      Expiration: isoSeconds(issued.expiresAt),
    },
  };
}
