import type { LocalCloud } from '../../local/cloud';
import { TableStore, call, sdkClient } from './tablestore-sdk';

/** A stored row as plain values: Int64 columns as numbers. */
export interface StoredRow {
  key: Record<string, unknown>;
  columns: Record<string, unknown>;
}

/**
 * The real tablestore SDK on local Tablestore with an operator's credentials for these actions
 * on every table of the instance: how tests read what the functions stored, and plant what an
 * older version of the stack would have stored.
 */
export function operatorClient(cloud: LocalCloud, actions: string[] = ['ots:GetRange']): any {
  const env = cloud.fc.instance(cloud.config.ServiceName, cloud.config.SessionFunctionName)!.spec.environment;
  const creds = cloud.credentials.issue(
    {
      roleArn: `acs:ram::${cloud.config.AccountId}:role/test-operator`,
      rolePolicies: [{ Version: '1', Statement: [{ Effect: 'Allow', Action: actions, Resource: ['*'] }] }],
      sessionName: 'test-operator',
    },
    900,
  );
  return sdkClient(env.OTS_ENDPOINT, env.OTS_INSTANCE, creds);
}

const plain = (v: unknown) => (typeof v === 'object' && v !== null && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : v);

/** Every row of a table, in key order. */
export async function allRows(cloud: LocalCloud, table: string, keyNames: string[]): Promise<StoredRow[]> {
  const client = operatorClient(cloud);
  const out: StoredRow[] = [];
  let start: unknown[] = keyNames.map((n) => ({ [n]: TableStore.INF_MIN }));
  for (;;) {
    const res = await call(client, 'getRange', {
      tableName: table,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: start,
      exclusiveEndPrimaryKey: keyNames.map((n) => ({ [n]: TableStore.INF_MAX })),
      maxVersions: 1,
    });
    for (const r of res.rows as { primaryKey: { name: string; value: unknown }[]; attributes: { columnName: string; columnValue: unknown }[] }[]) {
      out.push({
        key: Object.fromEntries(r.primaryKey.map((k) => [k.name, k.value])),
        columns: Object.fromEntries(r.attributes.map((a) => [a.columnName, plain(a.columnValue)])),
      });
    }
    if (!res.nextStartPrimaryKey) return out;
    start = res.nextStartPrimaryKey.map((k: { name: string; value: unknown }) => ({ [k.name]: k.value }));
  }
}

/** Writes one row as given (Int64 for integers), unconditionally. */
export async function plantRow(cloud: LocalCloud, table: string, key: Record<string, unknown>[], columns: Record<string, unknown>): Promise<void> {
  const client = operatorClient(cloud, ['ots:PutRow']);
  await call(client, 'putRow', {
    tableName: table,
    condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
    primaryKey: key,
    attributeColumns: Object.entries(columns).map(([k, v]) => ({ [k]: Number.isInteger(v) ? TableStore.Long.fromNumber(v as number) : v })),
  });
}
