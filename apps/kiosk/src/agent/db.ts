/**
 * The agent's store: the SQLite file plus the data key that opens its encrypted rows.
 * Only the agent opens SQLite (single writer; the CLI's one-shot commands use IMMEDIATE transactions
 * and the busy timeout when a running agent holds the lock).
 */
import { dirname } from 'node:path';
import {
  findDeviceIdentity,
  openDataKey,
  openKioskDb,
  type DataKeyState,
  type DeviceIdentity,
  type KeyProvider,
  type KioskDatabase,
} from '@clockface/db-kiosk';
import { AppError } from '@clockface/core';
import type { AgentConfig } from './config';
import {
  asAgentKeyProvider,
  createFileKeyProvider,
  sealedKeyFileFor,
  wipeUnreadableData,
  type AgentKeyProvider,
} from './key-storage';

export interface AgentStore extends KioskDatabase {
  keyProvider: AgentKeyProvider;
  keyState: DataKeyState;
  /** Set when this open found the key lost (absent or corrupt) and wiped what it encrypted. */
  lostKeyWipe?: { reason: 'absent' | 'corrupt'; templates: number };
}

/**
 * Opens the store with its data key: by default the headless key file (0600), or the provider the
 * Electron shell passes (the key it unsealed from OS secure storage). A lost or corrupt key is not
 * an error: the store opens in "re-provision" state and the unreadable templates are wiped.
 */
export function openAgentStore(
  config: Pick<AgentConfig, 'dbFile' | 'keyFile'>,
  keyProvider?: KeyProvider | AgentKeyProvider,
): AgentStore {
  const database = openKioskDb(config.dbFile);
  const provider = keyProvider
    ? asAgentKeyProvider(keyProvider)
    : createFileKeyProvider(config.keyFile, { sealedKeyFile: sealedKeyFileFor(dirname(config.dbFile)) });
  try {
    const keyState = openDataKey(database.db, provider);
    const store: AgentStore = { ...database, keyProvider: provider, keyState };
    if (keyState.status === 'reprovision') {
      const lookup = provider.inspect();
      if (lookup.status === 'absent' || lookup.status === 'corrupt') {
        store.lostKeyWipe = {
          reason: lookup.status,
          ...wipeUnreadableData(store, { reason: lookup.status }),
        };
      }
    }
    return store;
  } catch (error) {
    database.close();
    throw error;
  }
}

/** The device identity, or a clear error telling the installer what to do. */
export function requireIdentity(store: AgentStore): DeviceIdentity {
  const identity = findDeviceIdentity(store.db);
  if (!identity) {
    throw new AppError('NOT_PROVISIONED', {
      message: 'This kiosk is not provisioned. Run `kiosk-agent provision --hub URL --token TOKEN` first.',
    });
  }
  if (identity.revokedAt) {
    throw new AppError('DEVICE_REVOKED', {
      message: `This kiosk was revoked by the hub at ${identity.revokedAt}; provision it again with --force.`,
    });
  }
  return identity;
}

/** The data key, or REPROVISION_REQUIRED when it is lost or wrong (templates and device key unreadable). */
export function requireDataKey(store: AgentStore): { key: Buffer; keyVersion: number } {
  if (store.keyState.status === 'ready') return store.keyState;
  throw new AppError('REPROVISION_REQUIRED', {
    message:
      store.keyState.reason === 'missing'
        ? `The data key (${store.keyProvider.description}) is missing: encrypted data cannot be read. Provision this kiosk again with --force.`
        : `The data key (${store.keyProvider.description}) does not open this store. Restore the right key or provision again with --force.`,
  });
}
