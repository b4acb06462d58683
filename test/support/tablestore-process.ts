/**
 * A Tablestore emulator in a process of its own, so a test can SIGKILL it mid-write or start it
 * under a file-size limit (`ulimit -f`) and see what reaches the disk.
 * Usage: node -r ts-node/register/transpile-only tablestore-process.ts <journal file>
 * Prints one JSON line: { endpoint, accessKeyId, accessKeySecret, securityToken }.
 */
import { CredentialStore } from '../../local/credentials';
import { TablestoreEmulator } from '../../local/tablestore';

export const CHILD_INSTANCE = 'journaltest';
export const CHILD_TABLE = 'kv';

/** Where and as whom to reach the emulator: what the parent process reads from the child's first line. */
export interface Endpoint {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

/** The emulator on `dataFile` with one table, and credentials allowed every operation on it. */
export async function startEmulator(dataFile: string): Promise<{ emulator: TablestoreEmulator; endpoint: Endpoint }> {
  const credentials = new CredentialStore();
  const creds = credentials.issue(
    {
      roleArn: 'acs:ram::1:role/test',
      sessionName: 'test',
      rolePolicies: [
        { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ots:*', Resource: `acs:ots:cn-hangzhou:1:instance/${CHILD_INSTANCE}/table/${CHILD_TABLE}` }] },
      ],
    },
    3600,
  );
  const emulator = new TablestoreEmulator({
    instanceName: CHILD_INSTANCE,
    tables: [{ name: CHILD_TABLE, primaryKey: [{ name: 'k', type: 'STRING' }], timeToLive: -1 }],
    credentials,
    region: 'cn-hangzhou',
    accountId: '1',
    dataFile,
  });
  const endpoint = await emulator.listen();
  return { emulator, endpoint: { endpoint, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, securityToken: creds.securityToken } };
}

async function main(): Promise<void> {
  const { emulator, endpoint } = await startEmulator(process.argv[2]);
  process.stdout.write(`${JSON.stringify(endpoint)}\n`);
  process.on('SIGTERM', () => void emulator.close().then(() => process.exit(0)));
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
