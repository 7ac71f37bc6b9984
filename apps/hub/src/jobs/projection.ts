/**
 * @module The projection job: turns queued punches and corrections into work days, entries and
 * exceptions (projection.service.ts does the work). The queue is fed by a trigger on
 * attendance_events and by enqueueProjection; this job only drains it.
 */
import type { HubDeps } from '../deps';
import { drainProjectionQueue } from '../services/projection.service';

/**
 * How often a worker looks for queued projections between cron runs (pg-boss cron runs at most once
 * a minute). The look is one index-only `exists` on a small table.
 */
export const PROJECTION_POLL_INTERVAL_MS = 2_000;

/** Drains the projection queue until it is empty or the run's time budget is spent. */
export async function handleProjectQueuedTime(
  deps: Pick<HubDeps, 'db' | 'clock' | 'log'>,
): Promise<'SUCCESS' | 'SKIPPED' | 'FAILED'> {
  const started = Date.now();
  try {
    const result = await drainProjectionQueue(deps.db, { now: () => deps.clock.now(), log: deps.log });
    if (result.batches === 0) return 'SKIPPED';
    deps.log.info({ ...result, ms: Date.now() - started }, 'projected queued time');
    return result.failed > 0 ? 'FAILED' : 'SUCCESS';
  } catch (error) {
    // The batch rolled back and its rows stay queued: the next run retries them.
    deps.log.error({ err: error }, 'projection drain failed; the queue keeps the work for the next run');
    return 'FAILED';
  }
}
