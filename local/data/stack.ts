/**
 * The tables the synthesized stack declares (cdk.out), as the local cloud creates them: what an
 * import is checked against and what an export reads, without starting the cloud. Like the rest
 * of local/, it reads the template, never lib/: it runs what would be deployed.
 */
import { resolve, type Scope } from '../ros/intrinsics';
import { readCloudAssembly } from '../template';
import type { TableSpec } from '../tablestore';

const OTS_TABLE = 'ALIYUN::OTS::Table';
const FC_FUNCTION = 'ALIYUN::FC::Function';

export interface StackTables {
  tables: TableSpec[];
  /**
   * The table the functions keep sessions in (their SESSIONS_TABLE), left out of an export unless
   * asked for. Its rows are keyed by a hash of each session id, so the file holds no usable token;
   * but they expire within days (a seed of them goes stale), and imported into another state dir
   * they let whoever holds those ids in there too. Undefined when no function names one.
   */
  sessionsTable?: string;
}

/**
 * Reads the tables from the template in `outdir`. Only the properties a table needs are resolved,
 * with the parameters' defaults: a table's name and key never depend on a deploy-time secret, and
 * reading them must not generate development keys into a state dir.
 */
export function stackTables(outdir: string): StackTables {
  let assembly: ReturnType<typeof readCloudAssembly>;
  try {
    assembly = readCloudAssembly(outdir);
  } catch (e) {
    throw new Error(`cannot read the synthesized stack in ${outdir} (${(e as Error).message}); run npm run synth`, { cause: e });
  }
  const { template } = assembly;
  const resources = template.Resources;
  const scope: Scope = {
    ref: (name) => {
      const declared = template.Parameters?.[name];
      if (declared?.Default !== undefined) return declared.Default;
      throw new Error(`a table property refers to ${name}, which has no value before deploy`);
    },
    attribute: (id, attribute) => {
      if (resources[id]?.Type === OTS_TABLE && attribute === 'TableName') return resolve(resources[id].Properties?.TableName, scope);
      throw new Error(`a table property refers to ${id}.${attribute}, which has no value before deploy`);
    },
  };
  const tables = Object.entries(resources)
    .filter(([, r]) => r.Type === OTS_TABLE)
    .map(([id, r]): TableSpec => {
      const props = r.Properties ?? {};
      const prop = <T>(name: string): T => {
        try {
          return resolve(props[name], scope) as T;
        } catch (e) {
          throw new Error(`table ${id}: ${(e as Error).message}`, { cause: e });
        }
      };
      // The same shape as LocalCloud's table specs: the journal compares primary keys as JSON.
      return {
        name: prop<string>('TableName'),
        primaryKey: prop<{ Name: string; Type: TableSpec['primaryKey'][number]['type'] }[]>('PrimaryKey').map((k) => ({ name: k.Name, type: k.Type })),
        timeToLive: prop<number | undefined>('TimeToLive') ?? -1,
        maxVersions: prop<number | undefined>('MaxVersions') ?? 1,
      };
    });
  const names = new Set(tables.map((t) => t.name));
  let sessionsTable: string | undefined;
  for (const r of Object.values(resources).filter((r) => r.Type === FC_FUNCTION)) {
    const declared = (r.Properties?.EnvironmentVariables as Record<string, unknown> | undefined)?.SESSIONS_TABLE;
    if (declared === undefined) continue;
    const name = resolve(declared, scope);
    if (typeof name === 'string' && names.has(name)) sessionsTable = name;
  }
  return { tables, sessionsTable };
}
