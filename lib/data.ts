import * as ros from '@alicloud/ros-cdk-core';
import * as ots from '@alicloud/ros-cdk-ots';

/** How long a session lives. The sessions table's TTL and the functions' expiry checks share this one number. */
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

export const SESSIONS_TABLE = 'sessions';
export const OBJECTS_TABLE = 'objects';

export interface DataProps {
  readonly instanceName: string;
}

/**
 * Tablestore: one instance, two tables.
 * - `sessions` (sid): keyed by a hash of the session id; Tablestore's TTL deletes each row
 *   SESSION_TTL_SECONDS after it was written, so sessions can never live forever.
 * - `objects` (uid, collection, id): the user id is the partition key, so one user's data is
 *   one contiguous, range-scannable slice, split by collection and paged by id.
 */
export class Data extends ros.Construct {
  readonly instance: ots.Instance;
  readonly sessions: ots.Table;
  readonly objects: ots.Table;

  constructor(scope: ros.Construct, id: string, props: DataProps) {
    super(scope, id);
    this.instance = new ots.Instance(this, 'OtsInstance', {
      instanceName: props.instanceName,
      description: 'Mini-program sessions and per-user data',
      // Public network: FC 2.0 functions outside a VPC reach Tablestore on its public endpoint.
      network: 'NORMAL',
      clusterType: 'HYBRID',
    });
    this.sessions = new ots.Table(this, 'SessionsTable', {
      instanceName: this.instance.attrInstanceName,
      tableName: SESSIONS_TABLE,
      primaryKey: [{ name: 'sid', type: 'STRING' }],
      timeToLive: SESSION_TTL_SECONDS,
      maxVersions: 1,
    });
    this.objects = new ots.Table(this, 'ObjectsTable', {
      instanceName: this.instance.attrInstanceName,
      tableName: OBJECTS_TABLE,
      primaryKey: [
        { name: 'uid', type: 'STRING' },
        { name: 'collection', type: 'STRING' },
        { name: 'id', type: 'STRING' },
      ],
      timeToLive: -1,
      maxVersions: 1,
    });
  }

  /** ARN of one of this instance's tables, for least-privilege RAM statements. */
  tableArn(table: string): string {
    return ros.Fn.sub(`acs:ots:\${ALIYUN::Region}:\${ALIYUN::AccountId}:instance/\${Instance}/table/${table}`, {
      Instance: this.instance.attrInstanceName as string,
    });
  }
}
