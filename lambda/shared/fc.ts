/** The parts of the FC 2.0 Node.js runtime context the functions use. */
export interface FcCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
}

export interface FcContext {
  requestId: string;
  credentials: FcCredentials;
  function: { name: string; handler?: string; memory?: number; timeout: number };
  service?: { name: string; logProject?: string; logStore?: string };
  region: string;
  accountId: string;
}

/** Epoch ms by which the function must have answered, leaving a margin to write the answer and log. */
export const deadlineOf = (context: FcContext, startedAt: number): number => startedAt + Math.max(1, context.function.timeout) * 1000 - 300;
