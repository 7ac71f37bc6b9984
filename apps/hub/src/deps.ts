/** @module What services need, built once in main.ts (or a test) and passed in: no singletons. */
import type { Clock } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import type { Logger } from 'pino';
import type { HubConfig } from './config';
import type { JobQueue } from './jobs/queue';
import type { AccessTokenSigner } from './security/access-tokens';
import type { LoginThrottle } from './security/login-throttle';
import type { HubFaces } from './services/faces.service';

export interface HubDeps {
  config: HubConfig;
  db: Database;
  clock: Clock;
  log: Logger;
  accessTokens: AccessTokenSigner;
  loginThrottle: LoginThrottle;
  /** Null when this process runs no queue (tests that don't need one). Mail then waits in the outbox. */
  jobs: JobQueue | null;
  /** Face enrollment: the biometric cipher and the lazily started face engine(s). */
  faces: HubFaces;
}

/** Who is acting, recorded with every mutation. */
export interface ActorContext {
  actorUserId: string | null;
  actorType: 'user' | 'superadmin' | 'device' | 'system';
  requestId: string | null;
  ip: string | null;
}
