import * as ros from '@alicloud/ros-cdk-core';
import * as sls from '@alicloud/ros-cdk-sls';

export const LOGSTORE = 'function-logs';
export const LOG_RETENTION_DAYS = 30;

export interface LogsProps {
  readonly projectName: string;
}

/**
 * SLS project, logstore and index that FC writes every function log line to. The original
 * template created a project but never wired it to the service, so no log ever arrived.
 */
export class Logs extends ros.Construct {
  readonly project: sls.Project;
  readonly logstore: sls.Logstore;

  constructor(scope: ros.Construct, id: string, props: LogsProps) {
    super(scope, id);
    this.project = new sls.Project(this, 'LogProject', {
      name: props.projectName,
      description: 'Mini-program backend function logs',
    });
    this.logstore = new sls.Logstore(this, 'FunctionLogstore', {
      projectName: this.project.attrName,
      logstoreName: LOGSTORE,
      ttl: LOG_RETENTION_DAYS,
      shardCount: 2,
    });
    // FC stores each line a function prints in the `message` field; ours are one JSON object
    // per request, indexed by key so `message.outcome: error and message.function: db` needs no scan.
    const jsonKeys = ['requestId', 'function', 'op', 'outcome', 'code'].map((name) => ({ name, type: 'text', enableAnalytics: true }));
    new sls.Index(this, 'FunctionLogIndex', {
      projectName: this.project.attrName,
      logstoreName: this.logstore.attrLogstoreName,
      fullTextIndex: { enable: true },
      keyIndices: [
        { name: 'serviceName', type: 'text', enableAnalytics: true },
        { name: 'functionName', type: 'text', enableAnalytics: true },
        {
          name: 'message',
          type: 'json',
          jsonKeyIndices: [...jsonKeys, { name: 'ms', type: 'long', enableAnalytics: true }],
        },
      ],
    });
  }

  logstoreArn(): string {
    return ros.Fn.sub('acs:log:${ALIYUN::Region}:${ALIYUN::AccountId}:project/${Project}/logstore/${Logstore}', {
      Project: this.project.attrName as string,
      Logstore: this.logstore.attrLogstoreName as string,
    });
  }
}
