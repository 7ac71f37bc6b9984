/**
 * @module The kiosk agent (plain Node, no Electron): local store, punch decisions, frame loop,
 * outbox. Runs headless from cli.ts and, later, as the Electron shell's utility process.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_KIOSK_SETTINGS, ZKioskSettings, type TKioskSettings } from '@clockface/contracts/sync';
import { systemClock, type Clock } from '@clockface/core';
import {
  countEmployees,
  countPunchesByStatus,
  countTemplates,
  findDeviceIdentity,
  findKioskSettings,
  findOldestPendingPunch,
  findSyncStatus,
  listKeptPunches,
  markDeviceRevoked,
  wipeBiometricData,
} from '@clockface/db-kiosk';
import type { AgentConfig } from './config';
import type { AgentStore } from './db';
import type { FrameSource } from './frame-sources';
import { createFrameDecider, createPunchService, type PunchOutcome } from './punch.service';
import type { Recognizer } from './recognizer';

export * from './config';
export * from './db';
export * from './frame-sources';
export * from './outbox';
export * from './punch.service';
export * from './recognizer';
export * from './roster-sync';

/** The hub's settings if it pushed valid ones, else the defaults. */
export function loadSettings(store: AgentStore): TKioskSettings {
  const stored = findKioskSettings(store.db);
  const parsed = stored ? ZKioskSettings.safeParse(stored.settings) : undefined;
  return parsed?.success ? parsed.data : DEFAULT_KIOSK_SETTINGS;
}

/** Everything `kiosk-agent status` prints (and the heartbeat will send). */
export function getAgentStatus(store: AgentStore, config: Pick<AgentConfig, 'dataDir' | 'appVersion'>) {
  const identity = findDeviceIdentity(store.db);
  const counts = countPunchesByStatus(store.db);
  const oldestPending = findOldestPendingPunch(store.db);
  const sync = findSyncStatus(store.db);
  const settingsRow = findKioskSettings(store.db);
  return {
    appVersion: config.appVersion,
    dataDir: config.dataDir,
    provisioning: identity
      ? {
          status: identity.revokedAt ? ('revoked' as const) : ('provisioned' as const),
          deviceId: identity.deviceId,
          name: identity.name,
          orgId: identity.orgId,
          siteId: identity.siteId,
          hubUrl: identity.hubUrl,
          provisionedAt: identity.provisionedAt,
          revokedAt: identity.revokedAt,
        }
      : { status: 'not_provisioned' as const },
    dataKey:
      store.keyState.status === 'ready'
        ? { status: 'ready' as const, location: store.keyProvider.description }
        : {
            status: 'reprovision_required' as const,
            reason: store.keyState.reason,
            location: store.keyProvider.description,
          },
    roster: { employees: countEmployees(store.db), templates: countTemplates(store.db) },
    outbox: { ...counts, queueDepth: counts.pending, oldestPendingAt: oldestPending?.deviceTime ?? null },
    keptPunches: listKeptPunches(store.db, { limit: 5 }).map((row) => ({
      id: row.id,
      seq: row.seq,
      status: row.status,
      code: row.lastErrorCode,
      message: row.lastErrorMessage,
    })),
    sync: {
      lastAttemptAt: sync?.lastAttemptAt ?? null,
      lastSuccessAt: sync?.lastSuccessAt ?? null,
      lastError: sync?.lastErrorCode
        ? { code: sync.lastErrorCode, message: sync.lastErrorMessage ?? '' }
        : null,
      // The push/pull loop needs the hub's device API (issue 5, hub side), which has not landed yet.
      isAvailable: false,
    },
    settings: {
      source: settingsRow ? ('hub' as const) : ('defaults' as const),
      receivedAt: settingsRow?.receivedAt ?? null,
      values: loadSettings(store),
    },
  };
}

export type AgentStatus = ReturnType<typeof getAgentStatus>;

/**
 * Revocation (DEV-04, BIO-09): mark the device revoked, delete templates, PIN hashes and roster,
 * destroy the data key (crypto-shred) and zero the matcher. Punches stay for the record.
 */
export function handleDeviceRevoked(store: AgentStore, options: { clock: Clock; recognizer?: Recognizer }) {
  const wiped = store.db.transaction(
    (tx) => {
      markDeviceRevoked(tx, { at: options.clock.now() });
      return wipeBiometricData(tx);
    },
    { behavior: 'immediate' },
  );
  store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  store.keyProvider.destroy();
  store.keyState = { status: 'reprovision', reason: 'missing', keyVersion: 0 };
  options.recognizer?.wipe();
  return wiped;
}

export type AgentEvent =
  | { type: 'frame'; index: number }
  | { type: 'punch'; outcome: PunchOutcome }
  | { type: 'error'; message: string };

export interface RunAgentOptions {
  store: AgentStore;
  frameSource: FrameSource;
  /** The face pipeline; until packages/face is wired, frames are read but not matched. */
  recognizer?: Recognizer;
  clock?: Clock;
  signal?: AbortSignal;
  /** Stop after this many frames (tests, demos); default: until the signal aborts. */
  maxFrames?: number;
  onEvent?: (event: AgentEvent) => void;
}

/**
 * The headless frame loop: frames → recognizer → N-consecutive-frames decider → punch service.
 * Never throws for a bad frame or a rejected punch: it reports an `error` event and goes on.
 */
export async function runAgent(options: RunAgentOptions) {
  const clock = options.clock ?? systemClock;
  const settings = () => loadSettings(options.store);
  const punches = createPunchService({
    store: options.store,
    clock,
    monotonicMs: () => performance.now(),
    runId: randomUUID(),
    settings,
  });
  const decider = createFrameDecider(settings);
  const summary = { frames: 0, proposals: 0, recorded: 0, duplicates: 0, errors: 0 };
  for await (const frame of options.frameSource.frames(options.signal)) {
    summary.frames += 1;
    options.onEvent?.({ type: 'frame', index: frame.index });
    if (options.recognizer) {
      try {
        const proposal = decider.push(await options.recognizer.recognize(frame));
        if (proposal) {
          summary.proposals += 1;
          const outcome = punches.recordPunch({
            employeeId: proposal.employeeId,
            method: 'face',
            score: proposal.score,
            liveness: proposal.liveness,
            modelId: proposal.modelId,
          });
          if (outcome.status === 'recorded') summary.recorded += 1;
          else summary.duplicates += 1;
          options.onEvent?.({ type: 'punch', outcome });
        }
      } catch (error) {
        summary.errors += 1;
        options.onEvent?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    }
    if (options.maxFrames !== undefined && summary.frames >= options.maxFrames) break;
  }
  return summary;
}
