/**
 * The login's floor: the upstream calls lambda/session/index.ts makes for a returning person's
 * login, made raw with the same SDKs (alipay-sdk's `exec` with its signature check, tablestore,
 * pop-core's RPC client), in the order FLOOR_LOGIN_PLAN gives (bench/call-plan.ts LOGIN_PLAN: a
 * `sequence` one after the other, `parallel` at once), so its latency is that plan's critical path.
 * Invoked as login is: HTTP trigger, POST {"authCode"}. The bench bundles it as the session
 * function is bundled (urllib → lambda/shared/urllib-lite.ts), so alipay-sdk sends its request the
 * same way. Clients live at module scope, one per credentials, like the function's.
 *
 * Nothing else: no request checks, no account creation (the bench logs the person in before), no
 * retries. Any failure throws: a floor that failed fast would look fast.
 */
const { createHash, randomBytes } = require('node:crypto');
const TableStore = require('tablestore');
const { AlipaySdk } = require('alipay-sdk');
const RPCClient = require('@alicloud/pop-core/lib/rpc');
// The same PKCS1/PKCS8 detection as the session function's (bundled in by esbuild).
const { privateKeyType } = require('../../lambda/shared/alipay-sdk');

TableStore.DefaultRetryPolicy.maxRetryTimes = 0;

const env = process.env;
const PLAN = JSON.parse(env.FLOOR_LOGIN_PLAN);

let alipay;
/** As lambda/shared/alipay-sdk.ts builds it. */
function alipaySdk() {
  alipay ??= new AlipaySdk({
    appId: env.APP_ID,
    privateKey: env.ALIPAY_PRIVATE_KEY,
    keyType: privateKeyType(env.ALIPAY_PRIVATE_KEY),
    alipayPublicKey: env.ALIPAY_PUBLIC_KEY || undefined,
    encryptKey: env.ALIPAY_AES_KEY || undefined,
    gateway: env.ALIPAY_GATEWAY,
    timeout: 3000,
    signType: 'RSA2',
  });
  return alipay;
}

let clients;
/** Tablestore and STS clients, one each per credentials (lambda/shared/ots.ts, lambda/session/sts.ts). */
function clientsFor(credentials) {
  const key = `${credentials.accessKeyId}\n${credentials.securityToken}`;
  if (clients?.key !== key) {
    clients = {
      key,
      ots: new TableStore.Client({
        endpoint: env.OTS_ENDPOINT,
        instancename: env.OTS_INSTANCE,
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.accessKeySecret,
        stsToken: credentials.securityToken,
        maxRetries: 0,
        httpOptions: { timeout: 2000 },
      }),
      sts: new RPCClient({
        endpoint: env.STS_ENDPOINT,
        apiVersion: '2015-04-01',
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        securityToken: credentials.securityToken,
      }),
    };
  }
  return clients;
}

/** A step that needs what an earlier one found: the plan must order them so. */
function needs(value, step, earlier) {
  if (value === undefined) throw new Error(`login floor: ${step} needs ${earlier}'s answer, but the plan runs it before`);
  return value;
}

/** Each upstream call, raw. `s` is the login's state: what the calls found so far. */
const STEPS = {
  'alipay.oauth': async (s) => {
    const answer = await alipaySdk().exec(
      'alipay.system.oauth.token',
      { grant_type: 'authorization_code', code: s.authCode },
      { validateSign: Boolean(env.ALIPAY_PUBLIC_KEY) },
    );
    if (!answer.userId && !answer.openId) throw new Error(`login floor: Alipay answered without an id (${answer.subCode ?? answer.code})`);
    s.ids = { userId: answer.userId, openId: answer.openId };
  },

  /** The alias rows of the ids Alipay answered with, at once (lambda/session/accounts.ts signIn). */
  'ots.GetRow': async (s) => {
    const ids = needs(s.ids, 'ots.GetRow', 'alipay.oauth');
    const aliases = [ids.userId && `user_id:${ids.userId}`, ids.openId && `open_id:${ids.openId}`].filter(Boolean);
    const rows = await Promise.all(aliases.map((k) => s.clients.ots.getRow({ tableName: env.ACCOUNTS_TABLE, primaryKey: [{ key: k }], maxVersions: 1 })));
    const accountId = rows.map(({ row }) => row?.attributes?.find((a) => a.columnName === 'accountId')?.columnValue).find(Boolean);
    if (!accountId) throw new Error(`login floor: no account for ${aliases.join(', ')}: log the person in once before timing the floor`);
    s.accountId = accountId;
  },

  /** The session row (lambda/shared/sessions.ts create): keyed by the SHA-256 of a new session id. */
  'ots.PutRow': async (s) => {
    const accountId = needs(s.accountId, 'ots.PutRow', 'ots.GetRow');
    s.sessionId = `${accountId}.${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    s.expiresAt = now + Number(env.SESSION_TTL_SECONDS) * 1000;
    await s.clients.ots.putRow({
      tableName: env.SESSIONS_TABLE,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
      primaryKey: [{ sid: createHash('sha256').update(s.sessionId).digest('base64url') }],
      attributeColumns: [{ accountId }, { createdAt: TableStore.Long.fromNumber(now) }, { expiresAt: TableStore.Long.fromNumber(s.expiresAt) }],
    });
  },

  /** The client's credentials (lambda/session/sts.ts assumeClientRole), with the same session policy. */
  'sts.AssumeRole': async (s) => {
    const policy = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['fc:InvokeFunction'], Resource: env.CLIENT_FUNCTION_ARNS.split(',') }] };
    const params = {
      RoleArn: env.CLIENT_ROLE_ARN,
      RoleSessionName: `r-${s.requestId.replace(/[^\w.@-]/g, '_')}`.slice(0, 64),
      DurationSeconds: Number(env.CLIENT_CREDENTIALS_SECONDS),
      Policy: JSON.stringify(policy),
    };
    const answer = await s.clients.sts.request('AssumeRole', params, { method: 'POST', timeout: 3000 });
    s.sts = answer.Credentials;
  },
};

async function run(plan, s) {
  if (typeof plan === 'string') {
    const step = STEPS[plan];
    if (!step) throw new Error(`login floor: no step ${JSON.stringify(plan)} (known: ${Object.keys(STEPS).join(', ')})`);
    return step(s);
  }
  if (plan.sequence) {
    for (const p of plan.sequence) await run(p, s);
    return;
  }
  await Promise.all(plan.parallel.map((p) => run(p, s)));
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

exports.handler = async (req, resp, context) => {
  const { authCode } = JSON.parse((await readBody(req)).toString('utf8'));
  const s = { authCode, requestId: context.requestId, clients: clientsFor(context.credentials) };
  await run(PLAN, s);
  resp.setHeader('content-type', 'application/json; charset=utf-8');
  resp.send(JSON.stringify({ sessionId: s.sessionId, expiresAt: new Date(s.expiresAt).toISOString(), sts: s.sts, accountId: s.accountId }));
};
