import * as fs from 'node:fs';
import * as path from 'node:path';
import { ALIPAY_GATEWAY, ALIPAY_SANDBOX_GATEWAY } from '../lib/alipay-gateway';
import { AlipayGatewayEmulator, type AlipayGatewayOptions } from './alipay';
import { CredentialStore, type PolicyDocument, type Principal } from './credentials';
import { FcEmulator, type FcOptions, type FunctionSpec, timerTriggerFromConfig } from './fc';
import { advertisedHost, isWildcardHost, withHost } from './host';
import { seedTablesFromFile } from './data';
import { devKeys, type DevKeys } from './keys';
import { StsEmulator, type RoleSpec, type StsOptions, type TrustPolicyDocument } from './sts';
import { TablestoreEmulator, type TableSpec, type TablestoreOptions } from './tablestore';
import { otsPublicEndpoint } from './ros/attributes';
import { deployStack, type DeployedResource, type DeployedStack, type RosTemplate } from './ros/deploy';
import { DEFAULT_NETWORK_TYPE_ACL } from './tablestore';
import { type CloudAssembly, readCloudAssembly } from './template';

export const LOCAL_ACCOUNT_ID = '1000000000000001';
export const LOCAL_REGION = 'cn-hangzhou';
export const DEV_APP_ID = '2021000000000001';

export interface LocalCloudOptions {
  /** The synthesized app (cdk.out). */
  outdir: string;
  /** FC port (the base URL clients use); 0 = ephemeral. Other emulators always use ephemeral ports. */
  port?: number;
  /**
   * Address the FC API and the triggers listen on (default 127.0.0.1). With a wildcard (0.0.0.0)
   * the client configuration names this machine's LAN address. The other emulators are reached
   * only by the functions, so they stay on 127.0.0.1.
   */
  host?: string;
  /** Port of the first HTTP trigger's own root URL (SessionUrl); 0 = ephemeral. See FcOptions.triggerPort. */
  triggerPort?: number;
  /** Where keys and data live; undefined = fresh keys and in-memory data (tests). */
  stateDir?: string;
  /** Start with empty tables, discarding the data saved in stateDir (`npm start -- --reset`). */
  reset?: boolean;
  /** Rows to upsert once the tables are loaded, before anything listens (`npm start -- --seed FILE`; local/data/format.ts). */
  seed?: string;
  /** Extra template parameter values (otherwise development values). */
  parameters?: Record<string, string>;
  /** Every log line of the local cloud: emulator request lines and the functions' own lines. */
  log?: (line: string) => void;
  /** Fault injection and clocks for reliability tests, passed to each emulator. */
  tablestore?: Pick<TablestoreOptions, 'fault' | 'now'>;
  alipay?: Pick<AlipayGatewayOptions, 'fault' | 'now' | 'codeTtlMs' | 'notifyFault' | 'notifyDelayScale'>;
  sts?: Pick<StsOptions, 'fault' | 'now'>;
  /** Clock of every temporary credential (STS and FC service role), to test expiry. */
  credentialClock?: () => number;
  /** Fire timer triggers on their schedules (npm start); tests fire them with `fc.fireTimer`. */
  runTimers?: boolean;
  /** Local-only pages on the FC port (npm start's console and demo: local/pages.ts); see FcOptions.extraRoute. */
  fcExtraRoute?: FcOptions['extraRoute'];
}

/** What a client needs: the stack Outputs as deployed, plus where the local endpoints are. */
export interface ClientConfig {
  AccountId: string;
  Region: string;
  ServiceName: string;
  SessionFunctionName: string;
  DBFunctionName: string;
  SessionUrl: string;
  ClientRoleArn: string;
  PayServiceName: string;
  PayFunctionName: string;
  /** Where Alipay posts notifications (the trades' notify_url). */
  NotifyUrl: string;
  /** Base URL for fc2's `endpoint` option. */
  endpoint: string;
  /** POST {"userId"} | {"openId"} | {"userId", "openId"} (+ "unionId") → {"authCode"}: the local stand-in for my.getAuthCode. */
  authCodeUrl: string;
  /** POST {"mobile"} → what my.getPhoneNumber returns: the local stand-in. */
  phoneNumberUrl: string;
  /** POST {"tradeNo", "outcome": "paid"|"cancelled"} → {"resultCode"}: the local stand-in for the cashier behind my.tradePay. */
  payUrl: string;
  /** GET ?tradeNo=…: the emulator's cashier page (Pay / Cancel), which the demo shows for my.tradePay. */
  cashierUrl: string;
}

/**
 * The Tablestore journal in a state dir. Before the journal, the data lived in tablestore.json
 * (one JSON document): such a file is taken over under the new name, and the store rewrites it.
 */
function tablestoreJournal(stateDir: string): string {
  const journal = path.join(stateDir, 'tablestore.jsonl');
  const legacy = path.join(stateDir, 'tablestore.json');
  if (!fs.existsSync(journal) && fs.existsSync(legacy)) fs.renameSync(legacy, journal);
  return journal;
}

const ROLE = 'ALIYUN::RAM::Role';
const OTS_INSTANCE = 'ALIYUN::OTS::Instance';
const OTS_INSTANCE_V2 = 'ALIYUN::OTS::InstanceV2';
const MAX_KEPT_LOG_LINES = 100_000;

/**
 * The whole stack on 127.0.0.1, derived from the synthesized template: tables, roles and their
 * policies, functions with their code assets, environment and triggers. Endpoints the template
 * names by their cloud host (STS, the Alipay gateway) are pointed at the emulators.
 */
export class LocalCloud {
  readonly credentials: CredentialStore;
  /** The latest lines the functions printed (tests scan them), capped so a long `npm start` doesn't grow without bound. */
  readonly functionLogs: string[] = [];
  /** Who else hears each function log line as it is printed (the console's live log). */
  private readonly logListeners = new Set<(line: string) => void>();
  tablestore!: TablestoreEmulator;
  sts!: StsEmulator;
  alipay!: AlipayGatewayEmulator;
  fc!: FcEmulator;
  /** The template as the local ROS deployed it: resources in creation order, parameter values, outputs. */
  deployment!: DeployedStack;
  /** Cloud hosts the stack names (STS, Alipay, Tablestore, trigger URLs) → the local URL serving each. */
  private hosts: Record<string, string> = {};
  config!: ClientConfig;
  keys!: DevKeys;

  private constructor(private readonly opts: LocalCloudOptions) {
    this.credentials = new CredentialStore(opts.credentialClock);
  }

  static async start(opts: LocalCloudOptions): Promise<LocalCloud> {
    const cloud = new LocalCloud(opts);
    try {
      await cloud.boot();
    } catch (e) {
      await cloud.stop();
      throw e;
    }
    return cloud;
  }

  private async boot(): Promise<void> {
    const { opts } = this;
    const assembly = readCloudAssembly(opts.outdir);
    this.keys = devKeys(opts.stateDir);
    const log = (line: Record<string, unknown>) => opts.log?.(JSON.stringify(line));
    // The local ROS refuses what ROS would refuse, before any emulator starts.
    this.deployment = deployStack({
      template: assembly.template,
      parameters: { ...this.developmentParameters(assembly.template), ...opts.parameters },
      accountId: LOCAL_ACCOUNT_ID,
      region: LOCAL_REGION,
      stackName: assembly.stackName,
    });
    const of = (...types: string[]) => this.resourcesOf(...types);

    const instances = of(OTS_INSTANCE, OTS_INSTANCE_V2);
    if (instances.length !== 1) throw new Error(`local mode runs exactly one Tablestore instance; the template has ${instances.length}`);
    const [instance] = instances;
    this.tablestore = new TablestoreEmulator({
      instanceName: instance.props.InstanceName,
      tables: of('ALIYUN::OTS::Table').map(tableSpec),
      // The emulator is the instance's public endpoint: without INTERNET in the ACL it refuses every request.
      networkTypeAcl: instance.type === OTS_INSTANCE_V2 ? (instance.props.NetworkTypeACL ?? DEFAULT_NETWORK_TYPE_ACL) : DEFAULT_NETWORK_TYPE_ACL,
      credentials: this.credentials,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      dataFile: opts.stateDir ? tablestoreJournal(opts.stateDir) : undefined,
      reset: opts.reset,
      log,
      ...opts.tablestore,
    });
    // One checked, fsynced write, or nothing (a bad file fails start, naming its line).
    if (opts.seed) seedTablesFromFile(this.tablestore, opts.seed);
    const otsUrl = await this.tablestore.listen();

    const roles = of(ROLE).map(roleSpec);
    this.sts = new StsEmulator({ accountId: LOCAL_ACCOUNT_ID, roles, credentials: this.credentials, log, ...opts.sts });
    const stsUrl = await this.sts.listen();

    this.alipay = new AlipayGatewayEmulator({
      appId: this.deployment.parameters.AppId ?? DEV_APP_ID,
      appPublicKeyPem: this.keys.app.publicKeyPem,
      gatewayPrivateKeyPem: this.keys.gateway.privateKeyPem,
      aesKey: this.deployment.parameters.AesKey || undefined,
      tradesFile: opts.stateDir ? path.join(opts.stateDir, 'alipay-trades.jsonl') : undefined,
      log,
      ...opts.alipay,
    });
    await this.alipay.listen();

    // Cloud hosts the template names, routed to the emulators that play them. Anything else
    // (the VPC or internal Tablestore endpoints, say) stays unreachable, as it is from an FC
    // function outside a VPC.
    this.hosts = {
      [`sts.${LOCAL_REGION}.aliyuncs.com`]: stsUrl,
      // Both gateways (cdk.json "alipayGateway": "production" or "sandbox") are played by the one emulator.
      [new URL(ALIPAY_GATEWAY).host]: new URL(this.alipay.gatewayUrl).origin,
      [new URL(ALIPAY_SANDBOX_GATEWAY).host]: new URL(this.alipay.gatewayUrl).origin,
      [new URL(otsPublicEndpoint(instance.props.InstanceName, LOCAL_REGION)).host]: otsUrl,
    };
    const functions = of('ALIYUN::FC::Function').map((r) => this.functionSpec(assembly, r));
    this.fc = new FcEmulator({
      accountId: LOCAL_ACCOUNT_ID,
      region: LOCAL_REGION,
      functions,
      serviceRoles: this.serviceRoles(roles),
      credentials: this.credentials,
      log,
      extraRoute: (req, res, body) => this.alipay.serveDev(req, res, body) || (opts.fcExtraRoute?.(req, res, body) ?? false),
      triggerPort: opts.triggerPort,
      runTimers: opts.runTimers,
      onFunctionLog: (_fn, line) => {
        if (this.functionLogs.push(line) > MAX_KEPT_LOG_LINES) this.functionLogs.splice(0, MAX_KEPT_LOG_LINES / 10);
        for (const listener of this.logListeners) listener(line);
        opts.log?.(line);
      },
    });
    await this.fc.listen(opts.port ?? 0, opts.host);
    for (const t of of('ALIYUN::FC::Trigger').filter((t) => t.props.TriggerType === 'http')) {
      this.hosts[new URL(String(t.attributes.UrlInternet)).host] = this.fc.triggerUrl(t.props.ServiceName, t.props.FunctionName);
    }
    // Environment values naming a cloud host are pointed at its emulator only now that the trigger
    // URLs exist too (pay's NOTIFY_URL), before any instance starts: an instance reads its
    // environment when it starts.
    for (const spec of functions) spec.environment = localEnvironment(spec.environment, this.hosts);

    const outputs = Object.fromEntries(
      Object.entries(this.deployment.outputs).map(([k, v]) => [k, typeof v === 'string' ? pointAtLocal(v, this.hosts) : v]),
    ) as Omit<ClientConfig, 'endpoint' | 'authCodeUrl' | 'phoneNumberUrl' | 'payUrl' | 'cashierUrl'>;
    // The dev endpoints are served on the FC port too (fcExtraRoute above), so their URLs stay the same from run to run.
    const dev = (endpoint: string) => `${this.fc.url}${new URL(endpoint).pathname}`;
    const { authCodeUrl, phoneNumberUrl, payUrl, cashierUrl } = this.alipay;
    const config: ClientConfig = {
      ...outputs,
      endpoint: this.fc.url,
      authCodeUrl: dev(authCodeUrl),
      phoneNumberUrl: dev(phoneNumberUrl),
      payUrl: dev(payUrl),
      cashierUrl: dev(cashierUrl),
    };
    this.config = advertise(config, opts.host);
    if (opts.stateDir) fs.writeFileSync(path.join(opts.stateDir, 'outputs.json'), `${JSON.stringify(this.config, null, 2)}\n`);
  }

  /** Calls `listener` with each function log line from now on; returns the call that stops it. */
  onFunctionLog(listener: (line: string) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** The deployed resources of these types, in creation order. */
  private resourcesOf(...types: string[]): DeployedResource[] {
    return this.deployment.resources.filter((r) => types.includes(r.type));
  }

  /** Values for the template's parameters in local mode: development keys and names, for those it declares. */
  private developmentParameters(template: RosTemplate): Record<string, string> {
    const values: Record<string, string> = {
      AppId: DEV_APP_ID,
      PrivateKey: this.keys.app.privateKeyPem,
      AlipayPublicKey: this.keys.gateway.publicKeyPem,
      AesKey: this.keys.aesKey,
      DBInstanceName: 'miniapp-local',
      LogProjectName: 'miniapp-local-logs',
    };
    return Object.fromEntries(Object.entries(values).filter(([name]) => name in (template.Parameters ?? {})));
  }

  private functionSpec(assembly: CloudAssembly, fn: DeployedResource): FunctionSpec {
    const props = fn.props;
    const codeDir = assembly.assetDirs.get(props.Code?.OssObjectName);
    if (!codeDir) throw new Error(`function ${props.FunctionName}: its code asset is not in ${assembly.outdir}; run npm run synth`);
    const triggers = this.resourcesOf('ALIYUN::FC::Trigger').filter(
      (t) => t.props.ServiceName === props.ServiceName && t.props.FunctionName === props.FunctionName,
    );
    const trigger = triggers.find((t) => t.props.TriggerType === 'http');
    const timerTriggers = triggers
      .filter((t) => t.props.TriggerType === 'timer')
      .map((t) => timerTriggerFromConfig(t.props.TriggerName, t.props.TriggerConfig ?? {}));
    return {
      serviceName: props.ServiceName,
      functionName: props.FunctionName,
      arn: String(fn.attributes.ARN),
      handler: props.Handler,
      runtime: props.Runtime,
      codeDir,
      // As the template gives it; pointed at the emulators once the FC listeners are up (boot).
      environment: (props.EnvironmentVariables ?? {}) as Record<string, string>,
      timeoutSeconds: props.Timeout ?? 3,
      memoryMB: props.MemorySize ?? 128,
      httpTrigger: trigger && httpTriggerConfig(trigger.props.TriggerConfig),
      timerTriggers,
    };
  }

  /** Each FC service's role, which must trust fc.aliyuncs.com as it must in the cloud. */
  private serviceRoles(roles: RoleSpec[]): Record<string, Principal> {
    const out: Record<string, Principal> = {};
    for (const svc of this.resourcesOf('ALIYUN::FC::Service')) {
      const role = roles.find((r) => r.arn === svc.props.Role);
      if (!role) throw new Error(`FC service ${svc.props.ServiceName}: role ${svc.props.Role} is not in the template`);
      const trusted = role.trust.Statement.some((s) => ([] as string[]).concat(s.Principal?.Service ?? []).includes('fc.aliyuncs.com'));
      if (!trusted) throw new Error(`FC service ${svc.props.ServiceName}: role ${role.arn} does not trust fc.aliyuncs.com`);
      out[svc.props.ServiceName] = { roleArn: role.arn, rolePolicies: role.policies, sessionName: `fc-${svc.props.ServiceName}` };
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([this.fc?.close(), this.alipay?.close(), this.sts?.close(), this.tablestore?.close()].filter(Boolean));
  }
}

function tableSpec(r: { props: Record<string, any> }): TableSpec {
  return {
    name: r.props.TableName,
    primaryKey: (r.props.PrimaryKey as { Name: string; Type: TableSpec['primaryKey'][number]['type'] }[]).map((k) => ({ name: k.Name, type: k.Type })),
    timeToLive: r.props.TimeToLive ?? -1,
    maxVersions: r.props.MaxVersions ?? 1,
  };
}

function roleSpec({ props, attributes }: DeployedResource): RoleSpec {
  return {
    arn: String(attributes.Arn),
    policies: ((props.Policies ?? []) as { PolicyDocument: PolicyDocument }[]).map((p) => p.PolicyDocument),
    trust: props.AssumeRolePolicyDocument as TrustPolicyDocument,
    maxSessionDuration: props.MaxSessionDuration ?? 3600,
  };
}

/** ROS writes trigger config keys in PascalCase; FC's API uses camelCase. Accept both. */
function httpTriggerConfig(config: Record<string, unknown>): { authType: string; methods: string[] } {
  const pick = (name: string) => config[name] ?? config[name[0].toLowerCase() + name.slice(1)];
  return {
    authType: String(pick('AuthType') ?? 'function').toLowerCase(),
    methods: ((pick('Methods') as string[]) ?? []).map((m) => m.toUpperCase()),
  };
}

/** With a wildcard listen host, the config's loopback URLs name the address a device on the LAN would use. */
function advertise(config: ClientConfig, host: string | undefined): ClientConfig {
  if (!host || !isWildcardHost(host)) return config;
  const lan = advertisedHost(host);
  const out: Record<string, unknown> = { ...config };
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === 'string' && v.startsWith('http://127.0.0.1:')) out[k] = withHost(v, lan);
  }
  return out as unknown as ClientConfig;
}

const localEnvironment = (env: Record<string, string>, hosts: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, pointAtLocal(String(v), hosts)]));

/** Rewrites a URL on a known cloud host to the emulator serving it; other values pass unchanged. */
function pointAtLocal(value: string, hosts: Record<string, string>): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  const local = hosts[url.host];
  return local ? `${local}${url.pathname === '/' ? '' : url.pathname}${url.search}` : value;
}
