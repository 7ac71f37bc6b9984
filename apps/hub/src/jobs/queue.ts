/**
 * @module Background work on pg-boss (a Postgres-backed queue): retries with backoff, cron
 * schedules, and the same code on a real server and on embedded PGlite.
 */
import type { DatabaseConnection } from '@clockface/db-hub';
import { hasQueuedProjections } from '@clockface/db-hub/queries';
import { PgBoss, fromPglite } from 'pg-boss';
import type { Logger } from 'pino';
import { PROJECTION_POLL_INTERVAL_MS } from './projection';

export const QUEUES = {
  /** Deliver one outbox email. */
  deliverMail: 'deliver-mail',
  /** Sweep the outbox for mail whose delivery job was lost (e.g. the process died after commit). */
  sweepMail: 'sweep-mail',
  /** Drain projection_queue: punches and corrections become work days, entries and exceptions. */
  projectTime: 'project-time',
  /** Credit leave accruals for ended periods and expire carry-over above the caps (see leave-accrual.ts). */
  accrueLeave: 'accrue-leave',
  /** Re-make an org's face templates from kept photos after a model change (see face-reenrollment.ts). */
  reenrollFaces: 'reenroll-faces',
  /** Queue reenroll-faces for every org that keeps photos (at start and hourly: a new model id after an upgrade). */
  sweepFaceReenrollment: 'sweep-face-reenrollment',
  /** Complete terminations scheduled for a date that has passed (see termination.ts). */
  completeTerminations: 'complete-terminations',
} as const;

export type JobHandlers = {
  [QUEUES.deliverMail]: (data: { mailId: string }) => Promise<void>;
  [QUEUES.sweepMail]: () => Promise<void>;
  [QUEUES.projectTime]: () => Promise<void>;
  [QUEUES.accrueLeave]: () => Promise<void>;
  [QUEUES.reenrollFaces]: (data: { orgId: string }) => Promise<void>;
  [QUEUES.sweepFaceReenrollment]: () => Promise<void>;
  [QUEUES.completeTerminations]: () => Promise<void>;
};

export interface JobQueue {
  deliverMail(mailId: string): Promise<void>;
  /** Ask for a projection run now (after a web punch), instead of at the next poll. */
  requestProjection(): Promise<void>;
  /** Queue the org's face re-enrollment (at most one queued and one running per org). */
  requestFaceReenrollment(orgId: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startJobQueue(
  connection: DatabaseConnection,
  handlers: JobHandlers,
  log: Logger,
  options: { runWorkers: boolean },
): Promise<JobQueue> {
  const boss =
    connection.kind === 'pglite'
      ? new PgBoss({ db: fromPglite(connection.client), backend: 'pglite', useListenNotify: true })
      : new PgBoss({ connectionString: connection.url, max: 4 });
  boss.on('error', (error) => log.error({ err: error }, 'job queue error'));
  await boss.start();

  // Mail: a few retries with exponential backoff; an SMTP outage longer than that is caught by the sweep.
  await boss.createQueue(QUEUES.deliverMail, { retryLimit: 5, retryDelay: 10, retryBackoff: true });
  await boss.createQueue(QUEUES.sweepMail, { retryLimit: 0 });
  // At most one drain queued and one running ('stately'): a burst of requests is one run, and a
  // failed run needs no retry because its work stays in projection_queue for the next one.
  await boss.createQueue(QUEUES.projectTime, { policy: 'stately', retryLimit: 0 });
  let projectionPoll: ReturnType<typeof setInterval> | undefined;
  // Leave accrual is idempotent, so a failed run simply waits for the next hourly one.
  await boss.createQueue(QUEUES.accrueLeave, { retryLimit: 0 });
  // Re-enrollment resumes where it stopped (pending employees are recomputed), so retries are safe.
  await boss.createQueue(QUEUES.reenrollFaces, { policy: 'stately', retryLimit: 3, retryDelay: 30 });
  await boss.createQueue(QUEUES.sweepFaceReenrollment, { policy: 'stately', retryLimit: 0 });
  // Idempotent (a completed termination is no longer due), so a failed run waits for the next one.
  await boss.createQueue(QUEUES.completeTerminations, { policy: 'stately', retryLimit: 0 });

  if (options.runWorkers) {
    await boss.work<{ mailId: string }>(QUEUES.deliverMail, { batchSize: 1 }, async ([job]) => {
      if (job) await handlers[QUEUES.deliverMail](job.data);
    });
    await boss.work(QUEUES.sweepMail, { batchSize: 1 }, async () => {
      await handlers[QUEUES.sweepMail]();
    });
    await boss.schedule(QUEUES.sweepMail, '* * * * *');
    await boss.work(QUEUES.projectTime, { batchSize: 1 }, async () => {
      await handlers[QUEUES.projectTime]();
    });
    // The cron is the safety net; the poll makes new punches count within seconds.
    await boss.schedule(QUEUES.projectTime, '* * * * *');
    projectionPoll = setInterval(() => {
      hasQueuedProjections(connection.db)
        .then((hasWork) => (hasWork ? boss.send(QUEUES.projectTime, {}) : null))
        .catch((error: unknown) => log.warn({ err: error }, 'projection poll failed; the cron still runs'));
    }, PROJECTION_POLL_INTERVAL_MS);
    projectionPoll.unref();
    await boss.work(QUEUES.accrueLeave, { batchSize: 1 }, async () => {
      await handlers[QUEUES.accrueLeave]();
    });
    // Hourly, so each org's period end is credited within the hour whatever its time zone.
    await boss.schedule(QUEUES.accrueLeave, '17 * * * *');
    await boss.work<{ orgId: string }>(QUEUES.reenrollFaces, { batchSize: 1 }, async ([job]) => {
      if (job) await handlers[QUEUES.reenrollFaces](job.data);
    });
    await boss.work(QUEUES.sweepFaceReenrollment, { batchSize: 1 }, async () => {
      await handlers[QUEUES.sweepFaceReenrollment]();
    });
    await boss.schedule(QUEUES.sweepFaceReenrollment, '41 * * * *');
    await boss.send(QUEUES.sweepFaceReenrollment, {});
    await boss.work(QUEUES.completeTerminations, { batchSize: 1 }, async () => {
      await handlers[QUEUES.completeTerminations]();
    });
    // Hourly, so each org's new day is reached within the hour whatever its time zone.
    await boss.schedule(QUEUES.completeTerminations, '23 * * * *');
  }

  return {
    async deliverMail(mailId) {
      await boss.send(QUEUES.deliverMail, { mailId });
    },
    async requestProjection() {
      await boss.send(QUEUES.projectTime, {});
    },
    async requestFaceReenrollment(orgId) {
      await boss.send(QUEUES.reenrollFaces, { orgId }, { singletonKey: orgId });
    },
    async stop() {
      clearInterval(projectionPoll);
      await boss.stop({ graceful: true, timeout: 5_000 });
    },
  };
}
