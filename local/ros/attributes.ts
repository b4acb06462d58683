/**
 * The attributes (`Fn::GetAtt`) each resource type has once ROS has created it, in the form the
 * real cloud gives them: ARNs, names and endpoint URLs on their cloud hosts. The local cloud then
 * routes those hosts to its emulators (see LocalCloud), so what a function's environment holds, and
 * how long it is, is what it would be in the cloud.
 * Sources: the "Return values" section of each ROS resource reference page
 * (https://www.alibabacloud.com/help/en/ros/developer-reference/list-of-resource-types-by-service).
 */
import { createHash } from 'node:crypto';

export interface Environment {
  accountId: string;
  region: string;
}

type AttributeMap = (props: Record<string, any>, env: Environment) => Record<string, unknown>;

/** Tablestore's documented public endpoint; InstanceV2 has no attribute for it, so the stack builds the same URL. */
export const otsPublicEndpoint = (instanceName: string, region: string): string => `https://${instanceName}.${region}.ots.aliyuncs.com`;

const shortHash = (...parts: string[]): string => createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 10);

export const ATTRIBUTES: Record<string, AttributeMap> = {
  'ALIYUN::RAM::Role': (p, e) => ({ RoleName: p.RoleName, Arn: `acs:ram::${e.accountId}:role/${p.RoleName}`, RoleId: `3${shortHash('role', p.RoleName)}` }),
  'ALIYUN::OTS::Instance': (p, e) => ({
    InstanceName: p.InstanceName,
    PublicEndpoint: otsPublicEndpoint(p.InstanceName, e.region),
    PrivateEndpoint: `https://${p.InstanceName}.${e.region}.ots-internal.aliyuncs.com`,
    VpcEndpoint: `https://${p.InstanceName}.${e.region}.vpc.tablestore.aliyuncs.com`,
  }),
  // InstanceV2 returns only its name; its public endpoint is https://<name>.<region>.ots.aliyuncs.com.
  'ALIYUN::OTS::InstanceV2': (p) => ({ InstanceName: p.InstanceName }),
  'ALIYUN::OTS::Table': (p) => ({ TableName: p.TableName }),
  'ALIYUN::SLS::Project': (p) => ({ Name: p.Name }),
  'ALIYUN::SLS::Logstore': (p) => ({ LogstoreName: p.LogstoreName, ProjectName: p.ProjectName }),
  'ALIYUN::SLS::Index': () => ({}),
  'ALIYUN::FC::Service': (p) => ({
    ServiceName: p.ServiceName,
    ServiceId: shortHash('service', p.ServiceName),
    Role: p.Role,
    LogProject: p.LogConfig?.Project,
    Logstore: p.LogConfig?.Logstore,
  }),
  'ALIYUN::FC::Function': (p, e) => ({
    FunctionName: p.FunctionName,
    ServiceName: p.ServiceName,
    FunctionId: shortHash('function', p.ServiceName, p.FunctionName),
    ARN: `acs:fc:${e.region}:${e.accountId}:services/${p.ServiceName}/functions/${p.FunctionName}`,
  }),
  // An FC 2.0 HTTP trigger's URL is a host of its own under fcapp.run, with no /2016-08-15/proxy path.
  'ALIYUN::FC::Trigger': (p, e) => {
    const host = `${p.FunctionName}-${p.ServiceName}-${shortHash('trigger', e.accountId, p.ServiceName, p.FunctionName, p.TriggerName)}`.toLowerCase();
    return {
      TriggerName: p.TriggerName,
      TriggerId: shortHash('trigger-id', p.ServiceName, p.FunctionName, p.TriggerName),
      UrlInternet: `https://${host}.${e.region}.fcapp.run`,
      UrlIntranet: `https://${host}.${e.region}-vpc.fcapp.run`,
    };
  },
};

/** The resource types the local ROS can create. */
export const SUPPORTED_TYPES = new Set(Object.keys(ATTRIBUTES));
