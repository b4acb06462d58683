import * as ros from '@alicloud/ros-cdk-core';
import * as ots from '@alicloud/ros-cdk-ots';

/** How long a session lives. The sessions table's TTL and the functions' expiry checks share this one number. */
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

export const SESSIONS_TABLE = 'sessions';
export const OBJECTS_TABLE = 'objects';
export const ACCOUNTS_TABLE = 'accounts';
export const ORDERS_TABLE = 'orders';

export interface DataProps {
  readonly instanceName: string;
}

/**
 * Tablestore: one instance, four tables.
 * - The instance is an InstanceV2 with Internet access switched on explicitly. A new instance
 *   refuses the Internet by default ("Request denied by instance ACL policies"), and FC 2.0
 *   functions outside a VPC reach Tablestore only on its public endpoint. The alternative, the
 *   functions in a VPC on the VPC endpoint, would need a VPC, a vSwitch and a NAT gateway (a
 *   monthly fee) to still reach Alipay and STS; see the README's "Network" note.
 *   TRUST_PROXY keeps the Tablestore console working.
 * - `sessions` (sid): keyed by a hash of the session id; Tablestore's TTL deletes each row
 *   SESSION_TTL_SECONDS after it was written, so sessions can never live forever.
 * - `objects` (uid, collection, id): the user id is the partition key, so one user's data is
 *   one contiguous, range-scannable slice, split by collection and paged by id. The `uid` is the
 *   person's account id (the column keeps its first name: a table's primary key can't be renamed
 *   without replacing the table, and its data with it).
 * - `accounts` (key): one account per person, found by any of the Alipay ids it is linked to.
 *   Rows `account:<accountId>` hold the account; rows `user_id:<id>` and `open_id:<id>` each point
 *   at one account. Each alias row is claimed with a conditional put, so two first logins of one
 *   person at once make one account (lambda/session/accounts.ts).
 * - `orders` (orderId): one row per payment order. The orderId is Alipay's out_trade_no, so a
 *   notification finds its order in one read; it starts with the account's key, so one person's
 *   orders are one range, and pending orders are also listed under `pending_` rows the reconcile
 *   timer scans (lambda/shared/orders.ts).
 */
export class Data extends ros.Construct {
  readonly instance: ots.InstanceV2;
  /** The instance's public endpoint, which InstanceV2 does not expose as an attribute. */
  readonly publicEndpoint: string;
  readonly sessions: ots.Table;
  readonly objects: ots.Table;
  readonly accounts: ots.Table;
  readonly orders: ots.Table;

  constructor(scope: ros.Construct, id: string, props: DataProps) {
    super(scope, id);
    this.instance = new ots.InstanceV2(this, 'OtsInstance', {
      instanceName: props.instanceName,
      instanceDescription: 'Mini-program sessions and per-user data',
      clusterType: 'HYBRID',
      networkTypeAcl: ['INTERNET'],
      networkSourceAcl: ['TRUST_PROXY'],
    });
    // Documented form of the public endpoint: https://<instance>.<region>.ots.aliyuncs.com
    this.publicEndpoint = ros.Fn.sub('https://${Instance}.${ALIYUN::Region}.ots.aliyuncs.com', {
      Instance: this.instance.attrInstanceName as string,
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
    this.accounts = new ots.Table(this, 'AccountsTable', {
      instanceName: this.instance.attrInstanceName,
      tableName: ACCOUNTS_TABLE,
      primaryKey: [{ name: 'key', type: 'STRING' }],
      timeToLive: -1,
      maxVersions: 1,
    });
    this.orders = new ots.Table(this, 'OrdersTable', {
      instanceName: this.instance.attrInstanceName,
      tableName: ORDERS_TABLE,
      primaryKey: [{ name: 'orderId', type: 'STRING' }],
      timeToLive: -1,
      maxVersions: 1,
    });
  }

  get tables(): ots.Table[] {
    return [this.sessions, this.objects, this.accounts, this.orders];
  }

  /** ARN of one of this instance's tables, for least-privilege RAM statements. */
  tableArn(table: string): string {
    return ros.Fn.sub(`acs:ots:\${ALIYUN::Region}:\${ALIYUN::AccountId}:instance/\${Instance}/table/${table}`, {
      Instance: this.instance.attrInstanceName as string,
    });
  }
}
