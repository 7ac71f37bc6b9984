/**
 * @module Background work on pg-boss (a Postgres-backed queue): retries with backoff, cron
 * schedules, and the same code on a real server and on embedded PGlite.
 */
import type { DatabaseConnection } from '@clockface/db-hub';
import { PgBoss, fromPglite } from 'pg-boss';
import type { Logger } from 'pino';

export const QUEUES = {
  /** Deliver one outbox email. */
  deliverMail: 'deliver-mail',
  /** Sweep the outbox for mail whose delivery job was lost (e.g. the process died after commit). */
  sweepMail: 'sweep-mail',
  /** Credit leave accruals for ended periods and expire carry-over above the caps (see leave-accrual.ts). */
  accrueLeave: 'accrue-leave',
} as const;

export type JobHandlers = {
  [QUEUES.deliverMail]: (data: { mailId: string }) => Promise<void>;
  [QUEUES.sweepMail]: () => Promise<void>;
  [QUEUES.accrueLeave]: () => Promise<void>;
};

export interface JobQueue {
  deliverMail(mailId: string): Promise<void>;
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
  // Leave accrual is idempotent, so a failed run simply waits for the next hourly one.
  await boss.createQueue(QUEUES.accrueLeave, { retryLimit: 0 });

  if (options.runWorkers) {
    await boss.work<{ mailId: string }>(QUEUES.deliverMail, { batchSize: 1 }, async ([job]) => {
      if (job) await handlers[QUEUES.deliverMail](job.data);
    });
    await boss.work(QUEUES.sweepMail, { batchSize: 1 }, async () => {
      await handlers[QUEUES.sweepMail]();
    });
    await boss.schedule(QUEUES.sweepMail, '* * * * *');
    await boss.work(QUEUES.accrueLeave, { batchSize: 1 }, async () => {
      await handlers[QUEUES.accrueLeave]();
    });
    // Hourly, so each org's period end is credited within the hour whatever its time zone.
    await boss.schedule(QUEUES.accrueLeave, '17 * * * *');
  }

  return {
    async deliverMail(mailId) {
      await boss.send(QUEUES.deliverMail, { mailId });
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 5_000 });
    },
  };
}
