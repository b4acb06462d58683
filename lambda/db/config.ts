import { numberEnv, requireEnv } from '../shared/config';

export interface DbConfig {
  ots: { endpoint: string; instance: string; sessionsTable: string; objectsTable: string };
  sessionCacheSeconds: number;
}

export function loadDbConfig(): DbConfig {
  return {
    ots: {
      endpoint: requireEnv('OTS_ENDPOINT'),
      instance: requireEnv('OTS_INSTANCE'),
      sessionsTable: requireEnv('SESSIONS_TABLE'),
      objectsTable: requireEnv('OBJECTS_TABLE'),
    },
    sessionCacheSeconds: numberEnv('SESSION_CACHE_SECONDS'),
  };
}
