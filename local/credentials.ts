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
  { ok: true; credentials: IssuedCredentials } | { ok: false; code: 'InvalidAccessKeyId' | 'InvalidSecurityToken' | 'SecurityTokenExpired'; message: string };

/**
 * How long expired credentials are still recognized, so that using them answers
 * SecurityTokenExpired rather than InvalidAccessKeyId.
 *
 * A real STS token carries its own expiry, so the cloud can call it expired forever; the local
 * store has to forget a key id at some point or it grows with every session refresh. An hour
 * covers what actually happens: a request signed just before expiry and retried, a client clock a
 * few minutes behind, a test that moves a clock past expiry. Past it, the answer becomes
 * InvalidAccessKeyId, which every SDK and this project's client handle the same way (renew the
 * credentials and retry), so only the code in a log line differs.
 */
export const EXPIRED_CREDENTIALS_KEPT_MS = 60 * 60_000;

/**
 * The local cloud's one store of temporary credentials, shared by every emulator in the
 * process: local FC issues service-role credentials into it, local STS issues client-role
 * credentials into it, and Tablestore, STS and FC look callers up in it.
 *
 * Lifetimes differ (900 s to 12 h from STS, 36 h for FC's service role), so the order in which
 * credentials are forgotten is not the order they were issued: a min-heap on the time each is
 * forgotten finds the next one in O(1) and removes it in O(log n). Each issue and check first
 * forgets whatever is due, so the store holds only credentials issued within the last lifetime
 * plus `EXPIRED_CREDENTIALS_KEPT_MS`, however long the local cloud runs.
 */
export class CredentialStore {
  private readonly byKeyId = new Map<string, IssuedCredentials>();
  private readonly forgetting = new ForgetHeap();

  constructor(private readonly now: () => number = Date.now) {}

  /** Credentials currently held, live or recently expired. */
  get size(): number {
    return this.byKeyId.size;
  }

  issue(principal: Principal, ttlSeconds: number): IssuedCredentials {
    const now = this.now();
    this.forgetDue(now);
    const creds: IssuedCredentials = {
      accessKeyId: `STS.${randomBytes(12).toString('hex')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: `CAIS${randomBytes(48).toString('base64url')}`,
      expiresAt: now + ttlSeconds * 1000,
      principal,
    };
    this.byKeyId.set(creds.accessKeyId, creds);
    this.forgetting.push(creds.expiresAt + EXPIRED_CREDENTIALS_KEPT_MS, creds.accessKeyId);
    return creds;
  }

  /** Finds credentials by key id and checks the token and expiry; the caller then checks the signature with `accessKeySecret`. */
  check(accessKeyId: string | undefined, securityToken: string | undefined): CredentialCheck {
    const now = this.now();
    this.forgetDue(now);
    const creds = accessKeyId ? this.byKeyId.get(accessKeyId) : undefined;
    if (!creds) return { ok: false, code: 'InvalidAccessKeyId', message: 'The AccessKeyId is not found or invalid.' };
    if (creds.securityToken !== securityToken) {
      return { ok: false, code: 'InvalidSecurityToken', message: 'The security token you provided is invalid.' };
    }
    if (now >= creds.expiresAt) {
      return { ok: false, code: 'SecurityTokenExpired', message: 'The security token you provided has expired.' };
    }
    return { ok: true, credentials: creds };
  }

  private forgetDue(now: number): void {
    for (let keyId = this.forgetting.popDue(now); keyId !== undefined; keyId = this.forgetting.popDue(now)) this.byKeyId.delete(keyId);
  }
}

/** A binary min-heap of (time, key id): the key id whose time comes first is at the root. */
class ForgetHeap {
  private readonly at: number[] = [];
  private readonly keys: string[] = [];

  push(at: number, key: string): void {
    let i = this.at.length;
    this.at.push(at);
    this.keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent] <= at) break;
      this.move(parent, i);
      i = parent;
    }
    this.at[i] = at;
    this.keys[i] = key;
  }

  /** Removes and returns the first key id whose time is at or before `now`; undefined when none is due. */
  popDue(now: number): string | undefined {
    if (this.at.length === 0 || this.at[0] > now) return undefined;
    const due = this.keys[0];
    const lastAt = this.at.pop()!;
    const lastKey = this.keys.pop()!;
    const n = this.at.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && this.at[child + 1] < this.at[child]) child++;
        if (this.at[child] >= lastAt) break;
        this.move(child, i);
        i = child;
      }
      this.at[i] = lastAt;
      this.keys[i] = lastKey;
    }
    return due;
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from];
    this.keys[to] = this.keys[from];
  }
}
