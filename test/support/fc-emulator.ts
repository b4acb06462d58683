import * as fs from 'node:fs';
import * as path from 'node:path';
import FC from '@alicloud/fc2';
import type { CredentialStore } from '../../local/credentials';
import type { FunctionSpec } from '../../local/fc';

/** What the local FC tests share: one account and region, functions of service `svc`, and a caller allowed to invoke them. */
export const ACCOUNT = '1000000000000001';
export const REGION = 'cn-hangzhou';
export const arn = (fn: string): string => `acs:fc:${REGION}:${ACCOUNT}:services/svc/functions/${fn}`;
/** Service `svc`'s role, with no policies: these functions call no cloud service. */
export const SERVICE_ROLES = { svc: { roleArn: `acs:ram::${ACCOUNT}:role/svc`, rolePolicies: [], sessionName: 'fc-svc' } };

/** Function `name` of service `svc` (or `extra.serviceName`), its handler `index.handler` written as `code` into `dir`/<service>/`name`. */
export function functionSpec(dir: string, name: string, code: string, extra: Partial<FunctionSpec> = {}): FunctionSpec {
  const serviceName = extra.serviceName ?? 'svc';
  const codeDir = path.join(dir, serviceName, name);
  fs.mkdirSync(codeDir, { recursive: true });
  fs.writeFileSync(path.join(codeDir, 'index.js'), code);
  return {
    serviceName,
    functionName: name,
    arn: `acs:fc:${REGION}:${ACCOUNT}:services/${serviceName}/functions/${name}`,
    handler: 'index.handler',
    runtime: 'nodejs20',
    codeDir,
    environment: {},
    timeoutSeconds: 10,
    memoryMB: 128,
    ...extra,
  };
}

/** A real fc2 client at `endpoint`, with STS-style credentials that may invoke every function of `svc`. */
export function invokerClient(credentials: CredentialStore, endpoint: string): FC {
  const caller = credentials.issue(
    {
      roleArn: `acs:ram::${ACCOUNT}:role/client`,
      sessionName: 't',
      rolePolicies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'fc:InvokeFunction', Resource: arn('*') }] }],
    },
    900,
  );
  return new FC(ACCOUNT, {
    accessKeyID: caller.accessKeyId,
    accessKeySecret: caller.accessKeySecret,
    securityToken: caller.securityToken,
    region: REGION,
    endpoint,
  });
}
