import { toErrorBody } from '../shared/errors';
import { deadlineOf, type FcContext } from '../shared/fc';
import { describeCause, writeRequestLog } from '../shared/log';
import { OtsSession, otsClient } from '../shared/ots';
import { loadReconcileConfig } from './config';
import { Reconciler } from './reconciler';

const config = loadReconcileConfig();

/**
 * The timer trigger's handler (FC 2.0 event: `{"triggerTime", "triggerName", "payload"}`; nothing in
 * it is needed, and no client can invoke this function). One log line per run, with counts.
 */
export async function handler(_event: Buffer | string, context: FcContext): Promise<{ counts: Record<string, number> }> {
  const startedAt = Date.now();
  const deadline = deadlineOf(context, startedAt);
  const ots = new OtsSession(otsClient(context.credentials, config.ots.endpoint, config.ots.instance), deadline);
  const log = { requestId: context.requestId, function: context.function.name, op: 'reconcile' };
  let counts: Record<string, number> = {};
  try {
    const reconciler = new Reconciler(ots, config, deadline);
    try {
      await reconciler.run(startedAt);
    } finally {
      counts = reconciler.counts as Record<string, number>;
    }
    writeRequestLog({ ...log, outcome: 'ok', ms: Date.now() - startedAt, ots: ots.roundTrips, counts });
  } catch (e) {
    const { body } = toErrorBody(e);
    writeRequestLog({ ...log, outcome: 'error', ms: Date.now() - startedAt, code: body.error.code, ots: ots.roundTrips, counts, cause: describeCause(e) });
  }
  return { counts };
}
