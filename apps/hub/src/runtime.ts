/**
 * @module Assembles a running hub from config: database (migrated), signing key, queue, app.
 * Shared by main.ts (the server), the CLI and the test helpers, so all three run the same wiring.
 */
import { join } from 'node:path';
import { systemClock, type Clock } from '@clockface/core';
import { migrateDatabase, openDatabase, type DatabaseConnection } from '@clockface/db-hub';
import type { Logger } from 'pino';
import { createApp } from './app';
import type { HubConfig } from './config';
import type { HubDeps } from './deps';
import { handleReenrollFaces, handleSweepFaceReenrollment } from './jobs/face-reenrollment';
import { handleAccrueLeave } from './jobs/leave-accrual';
import { handleCompleteTerminations } from './jobs/termination';
import { handleProjectQueuedTime } from './jobs/projection';
import { QUEUES, startJobQueue } from './jobs/queue';
import { createLogger } from './logger';
import { createAccessTokenSigner, loadSigningJwk } from './security/access-tokens';
import { createLoginThrottle } from './security/login-throttle';
import { createMailDelivery } from './services/mail.service';
import { createHubFaces } from './services/faces.service';
import { createBiometricCipher, loadDataKey } from './security/template-crypto';

export interface HubRuntime {
  deps: HubDeps;
  connection: DatabaseConnection;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export interface StartRuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Start pg-boss (and its workers when config.runJobs). Tests of plain HTTP flows can skip it. */
  withJobs?: boolean;
  /** An already-open connection (tests share one per file). */
  connection?: DatabaseConnection;
}

export async function startRuntime(
  config: HubConfig,
  options: StartRuntimeOptions = {},
): Promise<HubRuntime> {
  const log = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const connection =
    options.connection ??
    (await openDatabase({
      url: config.databaseUrl,
      maxConnections: config.databasePoolSize,
      dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'),
    }));
  try {
    if (!options.connection) await migrateDatabase(connection);
    const signingJwk = await loadSigningJwk(
      config.signingKeyJwk,
      join(config.dataDir, 'secrets', 'hub-signing-key.json'),
    );
    const accessTokens = await createAccessTokenSigner(signingJwk, {
      issuer: config.publicUrl,
      ttlSeconds: config.accessTokenTtlSeconds,
      clock,
    });
    const deps: HubDeps = {
      config,
      db: connection.db,
      clock,
      log,
      accessTokens,
      loginThrottle: createLoginThrottle(connection.db),
      jobs: null,
      faces: createHubFaces(
        createBiometricCipher(loadDataKey(config.dataKey, join(config.dataDir, 'secrets', 'hub-data-key'))),
      ),
    };

    if (options.withJobs ?? true) {
      const mail = createMailDelivery(deps);
      deps.jobs = await startJobQueue(
        connection,
        {
          [QUEUES.deliverMail]: ({ mailId }) => mail.deliver(mailId),
          [QUEUES.sweepMail]: () => mail.sweep(),
          [QUEUES.projectTime]: async () => void (await handleProjectQueuedTime(deps)),
          [QUEUES.accrueLeave]: async () => void (await handleAccrueLeave(deps)),
          [QUEUES.reenrollFaces]: async (data) => void (await handleReenrollFaces(deps, data)),
          [QUEUES.sweepFaceReenrollment]: async () => void (await handleSweepFaceReenrollment(deps)),
          [QUEUES.completeTerminations]: async () => void (await handleCompleteTerminations(deps)),
        },
        log,
        { runWorkers: config.runJobs },
      );
    }
    const app = createApp(deps);
    return {
      deps,
      connection,
      app,
      async close() {
        await deps.jobs?.stop();
        await deps.faces.close();
        if (!options.connection) await connection.close();
      },
    };
  } catch (error) {
    if (!options.connection) await connection.close().catch(() => {});
    throw error;
  }
}
