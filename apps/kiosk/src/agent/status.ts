/** What `kiosk-agent status` prints and the heartbeat sends. */
import { DEFAULT_KIOSK_SETTINGS, ZKioskSettings, type TKioskSettings } from '@clockface/contracts/sync';
import {
  countEmployees,
  countPunchesByStatus,
  countTemplates,
  findDeviceIdentity,
  findKioskSettings,
  findOldestPendingPunch,
  findSyncStatus,
  listKeptPunches,
} from '@clockface/db-kiosk';
import type { AgentConfig } from './config';
import type { AgentStore } from './db';

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
          kid: identity.kid,
          hubUrl: identity.hubUrl,
          provisionedAt: identity.provisionedAt,
          revokedAt: identity.revokedAt,
        }
      : { status: 'not_provisioned' as const },
    dataKey: {
      ...(store.keyState.status === 'ready'
        ? { status: 'ready' as const, location: store.keyProvider.description }
        : {
            status: 'reprovision_required' as const,
            reason: store.keyState.reason,
            location: store.keyProvider.description,
          }),
      /** What the key storage found (`unavailable`: out of reach for now, nothing was wiped). */
      lookup: store.keyProvider.inspect(),
      /** e.g. the Electron shell keeps the key in a plain file because OS secure storage is unavailable. */
      warning: store.keyProvider.warning ?? null,
      /** Templates wiped at this open because the key was lost (absent or corrupt). */
      wiped: store.lostKeyWipe ?? null,
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
    },
    settings: {
      source: settingsRow ? ('hub' as const) : ('defaults' as const),
      receivedAt: settingsRow?.receivedAt ?? null,
      values: loadSettings(store),
    },
  };
}

export type AgentStatus = ReturnType<typeof getAgentStatus>;
