import * as ros from '@alicloud/ros-cdk-core';
import * as fc from '@alicloud/ros-cdk-fc';
import { bundledAsset } from './bundle';

export const SESSION_FUNCTION = 'session';
export const DB_FUNCTION = 'db';
export const RUNTIME = 'nodejs20';
/** alipay-sdk stamps requests with the process's local time; Alipay expects Beijing time. */
const COMMON_ENVIRONMENT = { TZ: 'Asia/Shanghai' };

/** Where a service's functions write their logs (one SLS logstore for the whole stack). */
export interface LogTarget {
  readonly project: string;
  readonly logstore: string;
}

export interface FunctionsProps {
  readonly serviceName: string;
  readonly serviceRoleArn: string;
  readonly logs: LogTarget;
  /** Environment of the session function (besides what every function gets). */
  readonly sessionEnvironment: Record<string, string>;
  /** Environment of the db function. */
  readonly dbEnvironment: Record<string, string>;
}

/** ARN of a function of an FC 2.0 service, from names so policies need no resource reference. */
export const functionArn = (serviceName: string, functionName: string): string =>
  ros.Fn.sub(`acs:fc:\${ALIYUN::Region}:\${ALIYUN::AccountId}:services/${serviceName}/functions/${functionName}`);

/** An FC 2.0 service: in FC 2.0 the RAM role is the service's, shared by all its functions. */
export function fcService(scope: ros.Construct, id: string, props: { serviceName: string; description: string; roleArn: string; logs: LogTarget }): fc.Service {
  return new fc.Service(scope, id, {
    serviceName: props.serviceName,
    description: props.description,
    role: props.roleArn,
    internetAccess: true,
    logConfig: { project: props.logs.project, logstore: props.logs.logstore, enableRequestMetrics: true },
  });
}

export type FunctionSettings = Pick<fc.FunctionProps, 'description' | 'memorySize' | 'timeout' | 'environmentVariables'>;

/**
 * A function whose code is `lambda/<name>/index.ts`, bundled at synth into an asset that
 * `ros-cdk deploy` uploads. `aliases` swap a dependency for a module of our own (see bundle.ts).
 */
export function bundledFunction(
  scope: ros.Construct,
  id: string,
  service: fc.Service,
  name: string,
  settings: FunctionSettings,
  aliases: Record<string, string> = {},
): fc.Function {
  // The code cache in the asset is made for the instance's memory (see code-cache.ts).
  const asset = bundledAsset(scope, `${id}Code`, name, aliases, { memoryMB: settings.memorySize });
  return new fc.Function(scope, id, {
    serviceName: service.attrServiceName,
    functionName: name,
    runtime: RUNTIME,
    handler: 'index.handler',
    code: { ossBucketName: asset.bucketName, ossObjectName: asset.objectKey },
    ...settings,
    environmentVariables: { ...COMMON_ENVIRONMENT, ...settings.environmentVariables },
  });
}

/**
 * An anonymous HTTP trigger, POST only, for endpoints whose callers can't sign an FC request: the
 * login (the caller has no credentials yet) and Alipay's notifications. Each function checks its
 * callers itself (the authCode, Alipay's signature).
 */
export const anonymousPostTrigger = (scope: ros.Construct, id: string, service: fc.Service, fn: fc.Function): fc.Trigger =>
  new fc.Trigger(scope, id, {
    serviceName: service.attrServiceName,
    functionName: fn.attrFunctionName,
    triggerName: 'http',
    triggerType: 'http',
    triggerConfig: { AuthType: 'anonymous', Methods: ['POST'] },
  });

/**
 * The main FC 2.0 service and its two functions (the service name and both function names are
 * what the 2020 client calls, so they stay put):
 * - `session`: anonymous HTTP trigger, POST only. It is the login endpoint, so it can't require
 *   an FC signature: the caller has no credentials yet. It checks the Alipay authCode itself.
 * - `db`: no trigger; only callers holding client-role STS credentials may invoke it.
 */
export class Functions extends ros.Construct {
  readonly service: fc.Service;
  readonly session: fc.Function;
  readonly db: fc.Function;
  readonly httpTrigger: fc.Trigger;

  constructor(scope: ros.Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    this.service = fcService(this, 'Service', {
      serviceName: props.serviceName,
      description: 'Alipay mini-program backend',
      roleArn: props.serviceRoleArn,
      logs: props.logs,
    });
    // alipay-sdk's HTTP client (urllib → undici) swapped for a Node http one: ~60 ms off each cold start.
    this.session = bundledFunction(
      this,
      'SessionFunction',
      this.service,
      SESSION_FUNCTION,
      {
        description: 'Exchanges an Alipay authCode for a session and client STS credentials',
        memorySize: 256,
        timeout: 10,
        environmentVariables: props.sessionEnvironment,
      },
      { urllib: 'shared/urllib-lite.ts' },
    );
    this.db = bundledFunction(this, 'DBFunction', this.service, DB_FUNCTION, {
      description: "Reads and writes the calling user's objects",
      memorySize: 256,
      timeout: 5,
      environmentVariables: props.dbEnvironment,
    });
    this.httpTrigger = anonymousPostTrigger(this, 'SessionHttpTrigger', this.service, this.session);
  }
}
