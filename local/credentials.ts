import { randomBytes } from 'node:crypto';

/** A RAM policy document as the template declares it (ROS keys, PascalCase). */
export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** Who holds a set of temporary credentials. */
export interface Principal {
  /** The role the credentials act as, e.g. `acs:ram::1234:role/mini-app-fc`. */
  roleArn: string;
  /** The role's own policies (from the template). */
  rolePolicies: PolicyDocument[];
  /** STS session policy: can only narrow `rolePolicies`. */
  sessionPolicy?: PolicyDocument;
  /** Name given at AssumeRole (or by local FC for the service role). */
  sessionName: string;
}

export interface IssuedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  principal: Principal;
}

export type CredentialCheck =
  | { ok: true; credentials: IssuedCredentials }
  | { ok: false; code: 'InvalidAccessKeyId' | 'InvalidSecurityToken' | 'SecurityTokenExpired'; message: string };

/**
 * The local cloud's one store of temporary credentials, shared by every emulator in the
 * process: local FC issues service-role credentials into it, local STS issues client-role
 * credentials into it, and Tablestore, STS and FC look callers up in it.
 */
export class CredentialStore {
  private readonly byKeyId = new Map<string, IssuedCredentials>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(principal: Principal, ttlSeconds: number): IssuedCredentials {
    const creds: IssuedCredentials = {
      accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: `CAIS${randomBytes(48).toString('base64url')}`,
      expiresAt: this.now() + ttlSeconds * 1000,
      principal,
    };
    this.byKeyId.set(creds.accessKeyId, creds);
    return creds;
  }

  /** Finds credentials by key id and checks the token and expiry; the caller then checks the signature with `accessKeySecret`. */
  check(accessKeyId: string | undefined, securityToken: string | undefined): CredentialCheck {
    const creds = accessKeyId ? this.byKeyId.get(accessKeyId) : undefined;
    if (!creds) return { ok: false, code: 'InvalidAccessKeyId', message: 'The AccessKeyId is not found or invalid.' };
    if (creds.securityToken !== securityToken) {
      return { ok: false, code: 'InvalidSecurityToken', message: 'The security token you provided is invalid.' };
    }
    if (this.now() >= creds.expiresAt) {
      return { ok: false, code: 'SecurityTokenExpired', message: 'The security token you provided has expired.' };
    }
    return { ok: true, credentials: creds };
  }
}
