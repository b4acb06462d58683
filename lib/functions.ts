import * as ros from '@alicloud/ros-cdk-core';
import * as fc from '@alicloud/ros-cdk-fc';
import * as ossassets from '@alicloud/ros-cdk-ossassets';
import { bundledCode } from './bundle';

export const SESSION_FUNCTION = 'session';
export const DB_FUNCTION = 'db';
export const RUNTIME = 'nodejs20';

export interface FunctionsProps {
  readonly serviceName: string;
  readonly serviceRoleArn: string;
  readonly logProject: string;
  readonly logstore: string;
  /** Environment of the session function (besides what every function gets). */
  readonly sessionEnvironment: Record<string, string>;
  /** Environment of the db function. */
  readonly dbEnvironment: Record<string, string>;
}

/** ARN of a function of an FC 2.0 service, from names so policies need no resource reference. */
export const functionArn = (serviceName: string, functionName: string): string =>
  ros.Fn.sub(`acs:fc:\${ALIYUN::Region}:\${ALIYUN::AccountId}:services/${serviceName}/functions/${functionName}`);

/**
 * The FC 2.0 service and its two functions:
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
    this.service = new fc.Service(this, 'Service', {
      serviceName: props.serviceName,
      description: 'Alipay mini-program backend',
      role: props.serviceRoleArn,
      internetAccess: true,
      logConfig: { project: props.logProject, logstore: props.logstore, enableRequestMetrics: true },
    });

    // alipay-sdk stamps requests with the process's local time; Alipay expects Beijing time.
    const common = { TZ: 'Asia/Shanghai' };

    // alipay-sdk's HTTP client (urllib → undici) swapped for a Node http one: ~60 ms off each cold start.
    this.session = this.fn('SessionFunction', SESSION_FUNCTION, { urllib: 'session/urllib-lite.ts' }, {
      description: 'Exchanges an Alipay authCode for a session and client STS credentials',
      memorySize: 256,
      timeout: 10,
      environmentVariables: { ...common, ...props.sessionEnvironment },
    });
    this.db = this.fn('DBFunction', DB_FUNCTION, {}, {
      description: "Reads and writes the calling user's objects",
      memorySize: 256,
      timeout: 5,
      environmentVariables: { ...common, ...props.dbEnvironment },
    });

    this.httpTrigger = new fc.Trigger(this, 'SessionHttpTrigger', {
      serviceName: this.service.attrServiceName,
      functionName: this.session.attrFunctionName,
      triggerName: 'http',
      triggerType: 'http',
      triggerConfig: { AuthType: 'anonymous', Methods: ['POST'] },
    });
  }

  private fn(
    id: string,
    name: string,
    aliases: Record<string, string>,
    props: Pick<fc.FunctionProps, 'description' | 'memorySize' | 'timeout' | 'environmentVariables'>,
  ): fc.Function {
    const asset = new ossassets.Asset(this, `${id}Code`, bundledCode(name, aliases));
    return new fc.Function(this, id, {
      serviceName: this.service.attrServiceName,
      functionName: name,
      runtime: RUNTIME,
      handler: 'index.handler',
      code: { ossBucketName: asset.bucketName, ossObjectName: asset.objectKey },
      ...props,
    });
  }
}
