import * as ros from '@alicloud/ros-cdk-core';
import * as fc from '@alicloud/ros-cdk-fc';
import { loadCatalog } from './catalog';
import { type FunctionSettings, type LogTarget, anonymousPostTrigger, bundledFunction, fcService } from './functions';
import { type Grant, functionServiceRole } from './identity';

export const PAY_FUNCTION = 'pay';
export const NOTIFY_FUNCTION = 'notify';
export const RECONCILE_FUNCTION = 'reconcile';
/** How often the reconcile timer runs: FC's shortest interval. */
export const RECONCILE_SCHEDULE = '@every 1m';
/** A pending order older than this is checked with alipay.trade.query when it is read or reconciled. */
export const ORDER_CHECK_AFTER_SECONDS = 60;
/** An order still unpaid after this is closed (alipay.trade.close); the trade is created with the same timeout_express. */
export const ORDER_CLOSE_AFTER_SECONDS = 15 * 60;

/** Service name of each payment function: `<prefix>-pay`, `<prefix>-notify`, `<prefix>-reconcile`. */
export const paymentServiceName = (namePrefix: string, fn: string): string => `${namePrefix}-${fn}`;

export interface PaymentsProps {
  readonly namePrefix: string;
  readonly logs: LogTarget;
  /** The grant every function needs to write its logs. */
  readonly logGrant: Grant;
  readonly tables: { sessions: string; accounts: string; orders: string };
  /** Environment every payment function gets: the Tablestore endpoint, instance and orders table. */
  readonly otsEnvironment: Record<string, string>;
  /** Environment of the functions that call Alipay: APP_ID, keys and gateway. */
  readonly alipayEnvironment: { APP_ID: string; ALIPAY_PRIVATE_KEY: string; ALIPAY_PUBLIC_KEY: string; ALIPAY_GATEWAY: string };
  /** Environment the pay function needs to check sessions and find the buyer. */
  readonly sessionEnvironment: Record<string, string>;
}

/**
 * Payments: three functions, each in an FC 2.0 service of its own, because in FC 2.0 the RAM role
 * belongs to the service: a service per function is how each gets only its own grants.
 * - `pay` (client-facing, invoked with the client's STS credentials like db): catalog, create
 *   (alipay.trade.create at the catalog's price), get and list of the caller's own orders.
 * - `notify` (anonymous HTTP trigger, POST): Alipay's asynchronous notifications, trusted only
 *   once alipay-sdk verifies Alipay's signature. It holds no private key: it never signs.
 * - `reconcile` (timer): closes orders left unpaid and asks Alipay about pending ones, so a lost
 *   notification never leaves an order wrong.
 * The catalog (catalog.json) is checked here, at synth, and compiled into the pay bundle.
 */
export class Payments extends ros.Construct {
  readonly pay: fc.Function;
  readonly notify: fc.Function;
  readonly reconcile: fc.Function;
  readonly payService: fc.Service;
  readonly notifyTrigger: fc.Trigger;
  readonly services: fc.Service[] = [];

  constructor(scope: ros.Construct, id: string, props: PaymentsProps) {
    super(scope, id);
    loadCatalog();
    const { orders, sessions, accounts } = props.tables;
    const alipayCalls = {
      ...props.alipayEnvironment,
      ORDER_CHECK_AFTER_SECONDS: String(ORDER_CHECK_AFTER_SECONDS),
      ORDER_CLOSE_AFTER_SECONDS: String(ORDER_CLOSE_AFTER_SECONDS),
    };

    const notify = this.function('Notify', NOTIFY_FUNCTION, props, [{ actions: ['ots:GetRow', 'ots:UpdateRow', 'ots:DeleteRow'], resources: [orders] }], {
      description: "Applies Alipay's verified payment notifications to orders",
      memorySize: 256,
      timeout: 10,
      environmentVariables: { ...props.otsEnvironment, APP_ID: props.alipayEnvironment.APP_ID, ALIPAY_PUBLIC_KEY: props.alipayEnvironment.ALIPAY_PUBLIC_KEY },
    });
    this.notify = notify.fn;
    this.notifyTrigger = anonymousPostTrigger(this, 'NotifyHttpTrigger', notify.service, notify.fn);
    const notifyUrl = this.notifyTrigger.attrUrlInternet as string;

    const pay = this.function(
      'Pay',
      PAY_FUNCTION,
      props,
      [
        { actions: ['ots:GetRow'], resources: [sessions, accounts] },
        { actions: ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow', 'ots:DeleteRow', 'ots:GetRange'], resources: [orders] },
      ],
      {
        description: "Creates the caller's payment orders at catalog prices and reads them back",
        memorySize: 256,
        timeout: 10,
        environmentVariables: { ...props.otsEnvironment, ...props.sessionEnvironment, ...alipayCalls, NOTIFY_URL: notifyUrl },
      },
    );
    this.pay = pay.fn;
    this.payService = pay.service;

    const reconcile = this.function(
      'Reconcile',
      RECONCILE_FUNCTION,
      props,
      [{ actions: ['ots:GetRange', 'ots:GetRow', 'ots:UpdateRow', 'ots:DeleteRow'], resources: [orders] }],
      {
        description: 'Closes unpaid orders and settles pending ones with Alipay, every minute',
        memorySize: 256,
        timeout: 60,
        environmentVariables: { ...props.otsEnvironment, ...alipayCalls },
      },
    );
    this.reconcile = reconcile.fn;
    new fc.Trigger(this, 'ReconcileTimerTrigger', {
      serviceName: reconcile.service.attrServiceName,
      functionName: reconcile.fn.attrFunctionName,
      triggerName: 'timer',
      triggerType: 'timer',
      triggerConfig: { cronExpression: RECONCILE_SCHEDULE, enable: true, payload: '' },
    });
  }

  /** One function in a service of its own, whose role allows exactly `grants` and writing logs. */
  private function(id: string, name: string, props: PaymentsProps, grants: Grant[], settings: FunctionSettings) {
    const serviceName = paymentServiceName(props.namePrefix, name);
    const role = functionServiceRole(this, `${id}ServiceRole`, {
      roleName: `${serviceName}-fc`,
      description: `Assumed by Function Compute for the ${name} function`,
      grants: [...grants, props.logGrant],
    });
    const service = fcService(this, `${id}Service`, {
      serviceName,
      description: `Mini-program payments: ${name}`,
      roleArn: role.attrArn as string,
      logs: props.logs,
    });
    // FC checks the role when it creates the service.
    service.addDependency(role);
    const fn = bundledFunction(this, `${id}Function`, service, name, settings, { urllib: 'shared/urllib-lite.ts' });
    this.services.push(service);
    return { service, fn };
  }
}
