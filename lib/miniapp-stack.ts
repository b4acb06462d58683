import * as ros from '@alicloud/ros-cdk-core';
import { ALIPAY_GATEWAYS } from './alipay-gateway';
import { StackConfig } from './config';
import { ACCOUNTS_TABLE, Data, OBJECTS_TABLE, ORDERS_TABLE, SESSIONS_TABLE, SESSION_TTL_SECONDS } from './data';
import { DB_FUNCTION, Functions, functionArn } from './functions';
import { Identity } from './identity';
import { Logs } from './logs';
import { PAY_FUNCTION, Payments, paymentServiceName } from './payments';
import { StackParameters } from './parameters';

/** Seconds a warm db or pay instance may trust a cached session; logout takes effect within this bound. */
export const SESSION_CACHE_SECONDS = 10;
/** Lifetime of the client's STS credentials (the STS minimum). */
export const CLIENT_CREDENTIALS_SECONDS = 900;

export interface MiniAppStackProps extends ros.StackProps {
  readonly config: StackConfig;
}

/** The whole mini-program backend. Its Outputs are the client's configuration. */
export class MiniAppStack extends ros.Stack {
  constructor(scope: ros.Construct, id: string, props: MiniAppStackProps) {
    super(scope, id, props);
    new ros.RosInfo(
      this,
      ros.RosInfo.description,
      'Alipay mini-program backend: login with Alipay, one account per person, per-account data in Tablestore, payments.',
    );
    const { namePrefix } = props.config;
    const serviceName = namePrefix;
    const clientFunctionArns = [functionArn(serviceName, DB_FUNCTION), functionArn(paymentServiceName(namePrefix, PAY_FUNCTION), PAY_FUNCTION)];

    const params = new StackParameters(this, 'Parameters', props.config);
    const data = new Data(this, 'Data', { instanceName: params.dbInstanceName.valueAsString });
    const logs = new Logs(this, 'Logs', { projectName: params.logProjectName.valueAsString });
    const sessions = data.tableArn(SESSIONS_TABLE);
    const objects = data.tableArn(OBJECTS_TABLE);
    const accounts = data.tableArn(ACCOUNTS_TABLE);
    const logGrant = { actions: ['log:PostLogStoreLogs'], resources: [logs.logstoreArn()] };
    const identity = new Identity(this, 'Identity', {
      namePrefix,
      serviceGrants: [
        { actions: ['ots:GetRow', 'ots:PutRow', 'ots:DeleteRow'], resources: [sessions] },
        { actions: ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow', 'ots:DeleteRow', 'ots:GetRange'], resources: [objects] },
        { actions: ['ots:GetRow', 'ots:PutRow', 'ots:UpdateRow'], resources: [accounts] },
        logGrant,
      ],
      clientInvokableFunctionArns: clientFunctionArns,
    });

    const ots = { OTS_ENDPOINT: data.publicEndpoint, OTS_INSTANCE: data.instance.attrInstanceName as string };
    const tables = { ...ots, SESSIONS_TABLE, OBJECTS_TABLE };
    const logTarget = { project: logs.project.attrName as string, logstore: logs.logstore.attrLogstoreName as string };
    const alipay = {
      APP_ID: params.appId.valueAsString,
      ALIPAY_PRIVATE_KEY: params.privateKey.valueAsString,
      ALIPAY_PUBLIC_KEY: params.alipayPublicKey.valueAsString,
      // cdk.json's "alipayGateway": production, or the sandbox for trying the app before it is live.
      ALIPAY_GATEWAY: ALIPAY_GATEWAYS[props.config.alipayGateway],
    };
    const functions = new Functions(this, 'Functions', {
      serviceName,
      serviceRoleArn: identity.serviceRole.attrArn as string,
      logs: logTarget,
      sessionEnvironment: {
        ...tables,
        ...alipay,
        ALIPAY_AES_KEY: params.aesKey.valueAsString,
        ACCOUNTS_TABLE,
        STS_ENDPOINT: ros.Fn.sub('https://sts.${ALIYUN::Region}.aliyuncs.com'),
        CLIENT_ROLE_ARN: identity.clientRoleArn,
        CLIENT_FUNCTION_ARNS: ros.Fn.join(',', clientFunctionArns),
        SESSION_TTL_SECONDS: String(SESSION_TTL_SECONDS),
        CLIENT_CREDENTIALS_SECONDS: String(CLIENT_CREDENTIALS_SECONDS),
      },
      dbEnvironment: { ...tables, SESSION_CACHE_SECONDS: String(SESSION_CACHE_SECONDS) },
    });
    const payments = new Payments(this, 'Payments', {
      namePrefix,
      logs: logTarget,
      logGrant,
      tables: { sessions, accounts, orders: data.tableArn(ORDERS_TABLE) },
      otsEnvironment: { ...ots, ORDERS_TABLE },
      alipayEnvironment: alipay,
      sessionEnvironment: { SESSIONS_TABLE, ACCOUNTS_TABLE, SESSION_CACHE_SECONDS: String(SESSION_CACHE_SECONDS) },
    });
    // FC checks the role and the logstore when it creates a service.
    functions.service.addDependency(identity.serviceRole);
    for (const service of [functions.service, ...payments.services]) service.addDependency(logs.logstore);
    // The functions need their tables from their first request.
    for (const fn of [functions.session, functions.db, payments.pay, payments.notify, payments.reconcile]) {
      for (const table of data.tables) fn.addDependency(table);
    }

    const outputs: Record<string, [unknown, string]> = {
      AccountId: [ros.RosPseudo.accountId, 'Alibaba Cloud account id (the FC client needs it)'],
      Region: [ros.RosPseudo.region, 'Region of the functions'],
      ServiceName: [functions.service.attrServiceName, 'FC service name'],
      SessionFunctionName: [functions.session.attrFunctionName, 'Login function (HTTP)'],
      DBFunctionName: [functions.db.attrFunctionName, 'Data function (invoke with the STS credentials)'],
      SessionUrl: [functions.httpTrigger.attrUrlInternet, 'POST {"authCode"} here to log in'],
      ClientRoleArn: [identity.clientRole.attrArn, 'Role whose STS credentials clients receive'],
      PayServiceName: [payments.payService.attrServiceName, 'FC service of the pay function'],
      PayFunctionName: [payments.pay.attrFunctionName, 'Payment function (invoke with the STS credentials)'],
      NotifyUrl: [payments.notifyTrigger.attrUrlInternet, "Alipay's asynchronous notifications arrive here (the trades' notify_url)"],
    };
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new ros.RosOutput(this, name, { value, description });
    }
  }
}
