/**
 * Every security-relevant property of the stack, asserted one by one against the synthesized
 * template. Resources are found by Type and content (e.g. the table whose TableName is
 * `sessions`), and ARNs are resolved through their Fn::Sub variable maps, so each assertion
 * checks the real wiring rather than a logical id.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ACCOUNTS_TABLE, OBJECTS_TABLE, SESSIONS_TABLE, SESSION_TTL_SECONDS } from '../../lib/data';
import { CONTEXTS, synth, synthCached } from './synth';
import { ACCOUNT, REGION, Resource, Template, asArray, isObject, only, refsTo, resolve, resourcesOfType, walk } from './template';

const TABLESTORE_MIN_TTL_SECONDS = 86400;

// A developer's shell may export the app private key for local mode. Every synth of this file
// runs with one exported, and the 'secrets never reach cdk.out' tests look for it in the output.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
const KEY_ENV = { ALIPAY_PRIVATE_KEY: pem, PRIVATE_KEY: body };
const savedEnv = Object.fromEntries(Object.keys(KEY_ENV).map((k) => [k, process.env[k]]));

let t: Template;
beforeAll(() => {
  Object.assign(process.env, KEY_ENV);
  t = synthCached().template;
});
afterAll(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

// ---- lookups by content --------------------------------------------------------------------
const table = (name: string) => only(t, 'ALIYUN::OTS::Table', (r) => r.Properties?.TableName === name);
const fn = (name: string) => only(t, 'ALIYUN::FC::Function', (r) => r.Properties?.FunctionName === name);
const service = () => only(t, 'ALIYUN::FC::Service');
const roleTrustedBy = (principalKey: 'Service' | 'RAM') =>
  only(t, 'ALIYUN::RAM::Role', (r) => asArray(r.Properties?.AssumeRolePolicyDocument?.Statement).some((s) => isObject(s) && isObject(s.Principal) && principalKey in s.Principal));
const serviceRole = () => roleTrustedBy('Service');
const clientRole = () => roleTrustedBy('RAM');
const statementsOf = (role: Resource): Array<Record<string, unknown>> =>
  (role.Properties?.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: unknown } }) => asArray(p.PolicyDocument.Statement));
const arnOf = (id: string, attr: string) => resolve(t, { 'Fn::GetAtt': [id, attr] });

describe('RAM: service role (assumed by Function Compute)', () => {
  it('is trusted by exactly one statement: Allow sts:AssumeRole to the Service principal fc.aliyuncs.com only', () => {
    const [, role] = serviceRole();
    expect(role.Properties?.AssumeRolePolicyDocument).toEqual({
      Version: '1',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'] } }],
    });
  });

  it('is the role of the FC service (Role = GetAtt of the service role Arn)', () => {
    const [roleId] = serviceRole();
    expect(service()[1].Properties?.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  it('allows exactly the actions the functions need, each on exactly one resource of this stack', () => {
    const [, role] = serviceRole();
    expect(role.Properties?.Policies).toHaveLength(1);
    const grants = statementsOf(role).map((s) => ({
      effect: s.Effect,
      actions: [...(s.Action as string[])].sort(),
      resources: asArray(s.Resource).map((r) => resolve(t, r)),
      keys: Object.keys(s).sort(),
    }));
    const [instanceId] = only(t, 'ALIYUN::OTS::InstanceV2');
    const instanceName = arnOf(instanceId, 'InstanceName');
    const [logstoreId, logstore] = only(t, 'ALIYUN::SLS::Logstore');
    const project = resolve(t, logstore.Properties?.ProjectName);
    const keys = ['Action', 'Effect', 'Resource'];
    expect(grants).toEqual([
      { effect: 'Allow', actions: ['ots:DeleteRow', 'ots:GetRow', 'ots:PutRow'], resources: [`acs:ots:${REGION}:${ACCOUNT}:instance/${instanceName}/table/${SESSIONS_TABLE}`], keys },
      { effect: 'Allow', actions: ['ots:DeleteRow', 'ots:GetRange', 'ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'], resources: [`acs:ots:${REGION}:${ACCOUNT}:instance/${instanceName}/table/${OBJECTS_TABLE}`], keys },
      { effect: 'Allow', actions: ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'], resources: [`acs:ots:${REGION}:${ACCOUNT}:instance/${instanceName}/table/${ACCOUNTS_TABLE}`], keys },
      { effect: 'Allow', actions: ['log:PostLogStoreLogs'], resources: [`acs:log:${REGION}:${ACCOUNT}:project/${project}/logstore/${arnOf(logstoreId, 'LogstoreName')}`], keys },
      { effect: 'Allow', actions: ['sts:AssumeRole'], resources: [arnOf(clientRole()[0], 'Arn')], keys },
    ]);
    // Resolved names are this stack's: the instance/project named by its parameters, the logstore it creates.
    expect(instanceName).toBe('<param:DBInstanceName>');
    expect(project).toBe('<param:LogProjectName>');
  });

  it('names its tables through Fn::Sub with the instance as a GetAtt of this stack\'s OTS instance and literal table names of existing tables', () => {
    const [, role] = serviceRole();
    const [instanceId] = only(t, 'ALIYUN::OTS::InstanceV2');
    const otsResources = statementsOf(role)
      .filter((s) => (s.Action as string[]).every((a) => a.startsWith('ots:')))
      .flatMap((s) => asArray(s.Resource));
    expect(otsResources).toEqual(
      [SESSIONS_TABLE, OBJECTS_TABLE, ACCOUNTS_TABLE].map((name) => ({
        'Fn::Sub': [`acs:ots:\${ALIYUN::Region}:\${ALIYUN::AccountId}:instance/\${Instance}/table/${name}`, { Instance: { 'Fn::GetAtt': [instanceId, 'InstanceName'] } }],
      })),
    );
    // ... and those tables live in that same instance.
    for (const name of [SESSIONS_TABLE, OBJECTS_TABLE, ACCOUNTS_TABLE]) {
      expect(table(name)[1].Properties?.InstanceName).toEqual({ 'Fn::GetAtt': [instanceId, 'InstanceName'] });
    }
  });

  it('writes logs to the logstore by Fn::Sub of GetAtts of this stack\'s SLS project and logstore', () => {
    const [projectId] = only(t, 'ALIYUN::SLS::Project');
    const [logstoreId] = only(t, 'ALIYUN::SLS::Logstore');
    const log = statementsOf(serviceRole()[1]).find((s) => (s.Action as string[]).includes('log:PostLogStoreLogs'));
    expect(log?.Resource).toEqual([
      {
        'Fn::Sub': [
          'acs:log:${ALIYUN::Region}:${ALIYUN::AccountId}:project/${Project}/logstore/${Logstore}',
          { Project: { 'Fn::GetAtt': [projectId, 'Name'] }, Logstore: { 'Fn::GetAtt': [logstoreId, 'LogstoreName'] } },
        ],
      },
    ]);
  });
});

describe('RAM: client role (whose STS credentials users get)', () => {
  it('is trusted only by the service role: one statement, RAM principal = the service role ARN, no Service principal, no account root', () => {
    const [, role] = clientRole();
    const statements = asArray(role.Properties?.AssumeRolePolicyDocument?.Statement) as Array<Record<string, any>>;
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect(s).toEqual({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [expect.anything()] } });
    const principals = asArray(s.Principal.RAM).map((p) => resolve(t, p));
    expect(principals).toEqual([arnOf(serviceRole()[0], 'Arn')]);
    expect(principals[0]).not.toMatch(/:root$/);
    expect(Object.keys(s.Principal)).toEqual(['RAM']);
  });

  it('may only fc:InvokeFunction the db function of this stack\'s FC service', () => {
    const [, role] = clientRole();
    expect(role.Properties?.Policies).toHaveLength(1);
    const statements = statementsOf(role);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toEqual({ Effect: 'Allow', Action: ['fc:InvokeFunction'], Resource: [expect.anything()] });
    const [dbId, db] = fn('db');
    const [serviceId, svc] = service();
    expect(db.Properties?.ServiceName).toEqual({ 'Fn::GetAtt': [serviceId, 'ServiceName'] });
    expect(asArray(statements[0].Resource).map((r) => resolve(t, r))).toEqual([
      `acs:fc:${REGION}:${ACCOUNT}:services/${resolve(t, svc.Properties?.ServiceName)}/functions/${arnOf(dbId, 'FunctionName')}`,
    ]);
  });

  it('sessions are bounded (MaxSessionDuration set, at most the 1 h default)', () => {
    expect(clientRole()[1].Properties?.MaxSessionDuration).toBeLessThanOrEqual(3600);
  });

  it('is created after the service role its trust policy names', () => {
    expect(clientRole()[1].DependsOn).toContain(serviceRole()[0]);
  });
});

describe('RAM: nothing else', () => {
  it('has exactly two roles, with inline policies only: no PolicyAttachments, no managed or attached policies, no users or groups', () => {
    const roles = resourcesOfType(t, 'ALIYUN::RAM::Role');
    expect(roles).toHaveLength(2);
    for (const [, role] of roles) expect(role.Properties).not.toHaveProperty('PolicyAttachments');
    const otherRam = Object.values(t.Resources ?? {}).filter((r) => r.Type.startsWith('ALIYUN::RAM::') && r.Type !== 'ALIYUN::RAM::Role');
    expect(otherRam).toEqual([]);
  });
});

describe('parameters', () => {
  it('PrivateKey is NoEcho with no Default', () => {
    const p = t.Parameters?.PrivateKey;
    expect(p?.NoEcho).toBe(true);
    expect(p).not.toHaveProperty('Default');
  });

  it('PrivateKey is referenced once in the whole template: the session function\'s ALIPAY_PRIVATE_KEY', () => {
    const [sessionId] = fn('session');
    expect(refsTo(t.Resources, 'PrivateKey')).toEqual([`$.${sessionId}.Properties.EnvironmentVariables.ALIPAY_PRIVATE_KEY`]);
    expect(refsTo(t.Outputs, 'PrivateKey')).toEqual([]);
  });

  it('PrivateKey accepts a real RSA2048 key as PEM (PKCS1 and PKCS8) or bare base64, and nothing but key text', () => {
    const p = t.Parameters!.PrivateKey;
    const pattern = new RegExp(p.AllowedPattern!);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bare = pkcs1.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (const key of [pkcs1, pkcs8, bare]) {
      expect(pattern.test(key)).toBe(true);
      expect(key.length).toBeGreaterThanOrEqual(p.MinLength!);
      expect(key.length).toBeLessThanOrEqual(p.MaxLength!);
    }
    for (const bad of ['key"; rm -rf /', '${ALIYUN::AccountId}', 'a'.repeat(10) + '\u00e9', 'a\tb', 'a\rb']) expect(pattern.test(bad)).toBe(false);
    // The empty key passes the pattern (a PEM may end in a line break, so the last line may be empty) but not MinLength.
    expect(p.MinLength).toBeGreaterThan(0);
  });

  it('AlipayPublicKey is optional (Default \'\') and its pattern accepts the empty string and a real public key', () => {
    const p = t.Parameters!.AlipayPublicKey;
    expect(p.Default).toBe('');
    const pattern = new RegExp(p.AllowedPattern!);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(pattern.test('')).toBe(true);
    expect(pattern.test(pem)).toBe(true);
    expect(pem.length).toBeLessThanOrEqual(p.MaxLength!);
  });

  it('AesKey is NoEcho, optional (Default \'\'), referenced only by the session function\'s ALIPAY_AES_KEY, and accepts exactly an AES-128 key in base64', () => {
    const p = t.Parameters!.AesKey;
    expect(p.NoEcho).toBe(true);
    expect(p.Default).toBe('');
    const [sessionId] = fn('session');
    expect(refsTo(t.Resources, 'AesKey')).toEqual([`$.${sessionId}.Properties.EnvironmentVariables.ALIPAY_AES_KEY`]);
    expect(refsTo(t.Outputs, 'AesKey')).toEqual([]);
    const pattern = new RegExp(p.AllowedPattern!);
    const key = randomBytes(16).toString('base64');
    for (const good of ['', key]) expect(pattern.test(good)).toBe(true);
    // 24 and 32 bytes would silently run AES-192/256 in alipay-sdk (crypto-js) and never decrypt.
    for (const bad of [key.slice(0, -1), `${key}=`, randomBytes(24).toString('base64'), randomBytes(32).toString('base64'), randomBytes(16).toString('hex'), `${key.slice(0, 21)}-==`]) {
      expect(pattern.test(bad)).toBe(false);
    }
  });

  const cases: Record<string, { good: string[]; bad: string[] }> = {
    AppId: {
      good: ['2021001234567890', '2099999999999999', '2000000000000000'],
      bad: ['', '123', '202100123456789', '20210012345678901', '3021001234567890', '1021001234567890', '2021-01234567890', ' 2021001234567890', '2021001234567890 ', 'abcdefghijklmnop'],
    },
    DBInstanceName: {
      good: ['abc', 'miniapp-db', 'miniapp01', 'a-b', 'a' + 'b'.repeat(14) + 'c'],
      // Capitals: RAM matches the instance in a policy Resource in lower case only.
      bad: ['', 'ab', '1abc', '-abc', 'abc-', 'a_b', 'my db', 'a' + 'b'.repeat(15) + 'c', 'abc\u00e9', 'MiniApp01', 'miniappDB'],
    },
    LogProjectName: {
      good: ['abc', 'miniapp-logs', '1abc', 'a1-2-3', 'a' + 'b'.repeat(61) + 'c'],
      bad: ['', 'ab', '-abc', 'abc-', 'Abc', 'a_b', 'my logs', 'a' + 'b'.repeat(62) + 'c'],
    },
  };
  describe.each(Object.keys(cases))('%s', (name) => {
    it('has an AllowedPattern that accepts good and rejects bad values', () => {
      const p = t.Parameters?.[name];
      expect(typeof p?.AllowedPattern).toBe('string');
      const pattern = new RegExp(p!.AllowedPattern!);
      const verdict = (values: string[]) => Object.fromEntries(values.map((v) => [v, pattern.test(v)]));
      expect(verdict(cases[name].good)).toEqual(Object.fromEntries(cases[name].good.map((v) => [v, true])));
      expect(verdict(cases[name].bad)).toEqual(Object.fromEntries(cases[name].bad.map((v) => [v, false])));
    });
    it('has a ConstraintDescription telling the deployer the expected shape', () => {
      const d = t.Parameters?.[name]?.ConstraintDescription;
      expect(typeof d).toBe('string');
      expect((d as string).length).toBeGreaterThan(20);
    });
  });
});

describe('secrets never reach cdk.out', () => {
  // The key we exported; any PEM private-key block with key material (the Alipay SDK's code
  // mentions "PRIVATE KEY" as a label, which is fine); any base64 run as long as an RSA key's
  // (a key or key-sized secret bundled from a fixture by mistake), PEM line breaks allowed.
  const leaks = (text: string) => ({
    exported: text.includes(body.slice(0, 64)) || text.includes(body.slice(-64)),
    pemBlock: /-----BEGIN [A-Z ]*PRIVATE KEY-----(\s|\\n|\\r)*[A-Za-z0-9+/=]{40}/.test(text),
    base64Run: /MII(?:(?:\s|\\n|\\r)*[A-Za-z0-9+/]){600,}/.test(text),
  });
  const expectNoLeak = (files: ReadonlyMap<string, Buffer>) => {
    expect(files.size).toBeGreaterThan(4);
    for (const [name, content] of files) {
      expect({ name, ...leaks(content.toString('utf8')) }).toEqual({ name, exported: false, pemBlock: false, base64Run: false });
    }
  };

  it('the leak detector fires on a key as PEM, as a JS string literal and as bare base64', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(leaks(pem)).toEqual({ exported: true, pemBlock: true, base64Run: true });
    expect(leaks(`var k=${JSON.stringify(other)};`)).toEqual({ exported: false, pemBlock: true, base64Run: true });
    expect(leaks(body)).toMatchObject({ exported: true, base64Run: true });
    expect(leaks(`n.type==="RSA PRIVATE KEY"?a:b;"-----BEGIN ${'PRIVATE'} KEY-----\\n"+key`)).toEqual({ exported: false, pemBlock: false, base64Run: false });
  });

  it.each(CONTEXTS.map((c) => [JSON.stringify(c), c]))('no private key in any file synthesized with context %s', (_name, context) => {
    expect(process.env.ALIPAY_PRIVATE_KEY).toBe(pem);
    expectNoLeak(synthCached(context).files);
  });

  it('context keys the config does not know (e.g. appKey) are ignored, not written', () => {
    expectNoLeak(synth({ appKey: body, alipayKey: pem }).files);
  });
});

describe('data', () => {
  it('sessions table TTL is SESSION_TTL_SECONDS (lib/data.ts), at least the Tablestore minimum of one day', () => {
    const ttl = table(SESSIONS_TABLE)[1].Properties?.TimeToLive;
    expect(ttl).toBe(SESSION_TTL_SECONDS);
    expect(ttl).toBeGreaterThanOrEqual(TABLESTORE_MIN_TTL_SECONDS);
  });

  it('the session function is told the same TTL', () => {
    expect(fn('session')[1].Properties?.EnvironmentVariables?.SESSION_TTL_SECONDS).toBe(String(SESSION_TTL_SECONDS));
  });

  it('sessions table is keyed by sid only', () => {
    expect(table(SESSIONS_TABLE)[1].Properties?.PrimaryKey).toEqual([{ Name: 'sid', Type: 'STRING' }]);
  });

  it('objects table keeps data forever (TTL -1) and is keyed (uid, collection, id) in that order, user id first', () => {
    const props = table(OBJECTS_TABLE)[1].Properties;
    expect(props?.TimeToLive).toBe(-1);
    expect(props?.PrimaryKey).toEqual([
      { Name: 'uid', Type: 'STRING' },
      { Name: 'collection', Type: 'STRING' },
      { Name: 'id', Type: 'STRING' },
    ]);
  });

  it('accounts table keeps accounts forever (TTL -1), one version, keyed by a single string', () => {
    const props = table(ACCOUNTS_TABLE)[1].Properties;
    expect(props?.TimeToLive).toBe(-1);
    expect(props?.MaxVersions).toBe(1);
    expect(props?.PrimaryKey).toEqual([{ Name: 'key', Type: 'STRING' }]);
  });

  it('every logstore has a TTL', () => {
    const logstores = resourcesOfType(t, 'ALIYUN::SLS::Logstore');
    expect(logstores.length).toBeGreaterThan(0);
    for (const [, l] of logstores) expect(l.Properties?.TTL).toBeGreaterThanOrEqual(1);
  });
});

describe('Function Compute', () => {
  it('the service logs to this stack\'s project and logstore (GetAtts), and is created after them and its role', () => {
    const [projectId] = only(t, 'ALIYUN::SLS::Project');
    const [logstoreId] = only(t, 'ALIYUN::SLS::Logstore');
    const [, svc] = service();
    expect(svc.Properties?.LogConfig).toMatchObject({
      Project: { 'Fn::GetAtt': [projectId, 'Name'] },
      Logstore: { 'Fn::GetAtt': [logstoreId, 'LogstoreName'] },
    });
    expect(svc.DependsOn).toEqual(expect.arrayContaining([logstoreId, serviceRole()[0]]));
  });

  it('the only trigger is the session function\'s HTTP trigger: anonymous, POST only', () => {
    const triggers = Object.values(t.Resources ?? {}).filter((r) => /::Trigger$/.test(r.Type));
    expect(triggers).toHaveLength(1);
    const [trigger] = triggers;
    const [sessionId] = fn('session');
    const [serviceId] = service();
    expect(trigger.Type).toBe('ALIYUN::FC::Trigger');
    expect(trigger.Properties?.TriggerType).toBe('http');
    expect(trigger.Properties?.TriggerConfig).toEqual({ AuthType: 'anonymous', Methods: ['POST'] });
    expect(trigger.Properties?.FunctionName).toEqual({ 'Fn::GetAtt': [sessionId, 'FunctionName'] });
    expect(trigger.Properties?.ServiceName).toEqual({ 'Fn::GetAtt': [serviceId, 'ServiceName'] });
  });

  it('the db function has no trigger (only STS-credentialled invocation)', () => {
    const [dbId] = fn('db');
    const triggers = Object.entries(t.Resources ?? {}).filter(([, r]) => /::Trigger$/.test(r.Type));
    for (const [, trigger] of triggers) expect(JSON.stringify(trigger)).not.toContain(`"${dbId}"`);
  });

  it('every function runs nodejs20 with explicit Timeout and MemorySize, in this stack\'s service', () => {
    const functions = resourcesOfType(t, 'ALIYUN::FC::Function');
    expect(functions.map(([, r]) => r.Properties?.FunctionName).sort()).toEqual(['db', 'session']);
    const [serviceId] = service();
    for (const [, f] of functions) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs20',
        Timeout: expect.any(Number),
        MemorySize: expect.any(Number),
        ServiceName: { 'Fn::GetAtt': [serviceId, 'ServiceName'] },
      });
      expect(f.Properties?.Timeout).toBeGreaterThan(0);
      expect(f.Properties?.Timeout).toBeLessThanOrEqual(60);
    }
  });

  it('the session function gets TZ=Asia/Shanghai and the private key from the NoEcho parameter', () => {
    const env = fn('session')[1].Properties?.EnvironmentVariables;
    expect(env?.TZ).toBe('Asia/Shanghai');
    expect(env?.ALIPAY_PRIVATE_KEY).toEqual({ Ref: 'PrivateKey' });
  });

  it('the db function gets no Alipay key or other Alipay setting', () => {
    const env = fn('db')[1].Properties?.EnvironmentVariables ?? {};
    expect(Object.keys(env).filter((k) => /alipay|private|key|secret/i.test(k))).toEqual([]);
    expect([...refsTo(env, 'PrivateKey'), ...refsTo(env, 'AlipayPublicKey'), ...refsTo(env, 'AppId'), ...refsTo(env, 'AesKey')]).toEqual([]);
    expect(env.TZ).toBe('Asia/Shanghai');
  });
});

describe('Outputs', () => {
  it('are exactly the client configuration', () => {
    expect(Object.keys(t.Outputs ?? {}).sort()).toEqual(
      ['AccountId', 'Region', 'ServiceName', 'SessionFunctionName', 'DBFunctionName', 'SessionUrl', 'ClientRoleArn'].sort(),
    );
  });

  it('point at this stack\'s resources and reference no parameter (no secret can be echoed)', () => {
    const o = t.Outputs!;
    const [sessionId] = fn('session');
    const [dbId] = fn('db');
    const [serviceId] = service();
    const [triggerId] = only(t, 'ALIYUN::FC::Trigger');
    expect(o.AccountId.Value).toEqual({ Ref: 'ALIYUN::AccountId' });
    expect(o.Region.Value).toEqual({ Ref: 'ALIYUN::Region' });
    expect(o.ServiceName.Value).toEqual({ 'Fn::GetAtt': [serviceId, 'ServiceName'] });
    expect(o.SessionFunctionName.Value).toEqual({ 'Fn::GetAtt': [sessionId, 'FunctionName'] });
    expect(o.DBFunctionName.Value).toEqual({ 'Fn::GetAtt': [dbId, 'FunctionName'] });
    expect(o.SessionUrl.Value).toEqual({ 'Fn::GetAtt': [triggerId, 'UrlInternet'] });
    expect(o.ClientRoleArn.Value).toEqual({ 'Fn::GetAtt': [clientRole()[0], 'Arn'] });
    for (const name of Object.keys(t.Parameters ?? {})) expect(refsTo(t.Outputs, name)).toEqual([]);
  });
});

describe('with other contexts', () => {
  it.each(CONTEXTS.map((c) => [JSON.stringify(c), c]))('%s: the same least-privilege wiring, names consistent with the stage', (_name, context) => {
    const tt = synthCached(context).template;
    const svc = only(tt, 'ALIYUN::FC::Service')[1];
    const prefix = context.stage ? `miniapp-${context.stage}` : 'miniapp';
    expect(svc.Properties?.ServiceName).toBe(prefix);
    const roles = resourcesOfType(tt, 'ALIYUN::RAM::Role').map(([, r]) => r.Properties?.RoleName).sort();
    expect(roles).toEqual([`${prefix}-client`, `${prefix}-fc`]);
    // Every ARN string that names a role or service names one of this stage's, never another stage's.
    const arns = [...walk(tt.Resources)].map(([, v]) => v).filter((v): v is string => typeof v === 'string' && /:role\/|:services\//.test(v));
    expect(arns.length).toBeGreaterThanOrEqual(4);
    for (const arn of arns) expect(arn).toMatch(new RegExp(`(role/${prefix}-(fc|client)|services/${prefix}/functions/db)$`));
  });
});
