/**
 * Where the agent's data key lives (issue 5, ELEC-08). The key encrypts face templates and the device
 * private key at rest (AES-256-GCM, packages/db-kiosk). Two homes, one interface:
 *
 * - headless (`kiosk-agent`): a file only the agent's user can read (`createFileKeyProvider`);
 * - the Electron shell: the key sealed by the OS secure storage (safeStorage). Only Electron's main
 *   process can unseal it, so main unseals it before it starts the agent and hands it over in a
 *   message, together with spare keys it has already sealed (`createSealedKeyProvider`). The agent
 *   then never needs the OS store, and `create()` stays synchronous and durable.
 *
 * Plain Node: no Electron import (the agent also runs headless).
 *
 * Losing the key means re-provisioning, never a crash: `inspect()` tells a final loss (`absent`,
 * `corrupt`), after which the store wipes what it can no longer read, from a key that is only out of
 * reach for now (`unavailable`: the OS keyring is locked, or a headless command runs on a kiosk
 * whose key the Electron shell sealed), after which nothing is touched.
 */
import { existsSync, rmSync } from 'node:fs';
import { AppError } from '@clockface/core';
import {
  DATA_KEY_BYTES,
  FileKeyProvider,
  insertSecurityEvent,
  listSecurityEvents,
  type KeyProvider,
} from '@clockface/db-kiosk';
import { faceTemplates } from '@clockface/db-kiosk/schema';
import type { AgentStore } from './db';
import { writeFileDurably, type SealedKeyMaterial, type SpareKey } from './key-files';

export {
  readKeyFile,
  sealedKeyFileFor,
  writeFileDurably,
  type SealedKeyMaterial,
  type SpareKey,
} from './key-files';

/** What a key provider found. Only `absent` and `corrupt` are final losses. */
export type KeyLookup =
  | { status: 'present' }
  | { status: 'absent' }
  | { status: 'corrupt'; detail: string }
  | { status: 'unavailable'; detail: string };

/** db-kiosk's `KeyProvider` (load / create / destroy), plus why a key is missing and any caveat for status. */
export interface AgentKeyProvider extends KeyProvider {
  inspect(): KeyLookup;
  /** Shown in `status` and logged at start, e.g. "OS secure storage unavailable: key in a file". */
  readonly warning: string | undefined;
}

/** Accepts a db-kiosk provider (tests, the bench) as well as an agent one. */
export function asAgentKeyProvider(provider: KeyProvider | AgentKeyProvider): AgentKeyProvider {
  if ('inspect' in provider) return provider;
  return {
    description: provider.description,
    warning: undefined,
    inspect: () => (provider.load() ? { status: 'present' } : { status: 'absent' }),
    load: () => provider.load(),
    create: () => provider.create(),
    destroy: () => provider.destroy(),
  };
}

export interface FileKeyProviderOptions {
  /** A caveat to show in status (the Electron shell's fallback when OS secure storage is unavailable). */
  warning?: string;
  /**
   * The sealed key file of the Electron shell in the same data folder. When it exists and the plain
   * key file does not, the key is out of this process's reach, not lost: `unavailable`, and
   * `create()` refuses (a headless `kiosk-agent status` on an Electron kiosk must not wipe it).
   */
  sealedKeyFile?: string;
}

/**
 * The headless agent's key: base64 in a file of mode 0600 in a folder of mode 0700 (db-kiosk's
 * FileKeyProvider), told apart as absent, corrupt or sealed elsewhere.
 */
export function createFileKeyProvider(path: string, options: FileKeyProviderOptions = {}): AgentKeyProvider {
  const file = new FileKeyProvider(path);
  const sealedElsewhere = () =>
    !existsSync(path) && options.sealedKeyFile !== undefined && existsSync(options.sealedKeyFile);
  return {
    description: file.description,
    warning: options.warning,
    inspect() {
      if (sealedElsewhere()) {
        return {
          status: 'unavailable',
          detail: `the key is sealed by the kiosk app's OS secure storage (${options.sealedKeyFile}); only the kiosk app can open this store`,
        };
      }
      if (!existsSync(path)) return { status: 'absent' };
      return file.load()
        ? { status: 'present' }
        : { status: 'corrupt', detail: `${path} is not a base64 32-byte key` };
    },
    load: () => file.load(),
    create() {
      if (sealedElsewhere()) {
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: `This kiosk's data key is sealed by the kiosk app (${options.sealedKeyFile}); run this from the kiosk app or provision again with --force there.`,
        });
      }
      // FileKeyProvider creates exclusively ('wx'): a corrupt file would make that throw EEXIST.
      if (existsSync(path) && !file.load()) file.destroy();
      return file.create();
    },
    destroy: () => file.destroy(),
  };
}

export interface SealedKeyProvider extends AgentKeyProvider {
  /** The shell sends a new spare after `onSpareUsed`. */
  addSpare(spare: SpareKey): void;
  readonly spareCount: number;
}

/**
 * The agent side of the Electron shell's key (ELEC-08): the key arrives unsealed in a message (never
 * in argv or env); `create()` writes an already sealed spare to disk (fsync, then rename), so the
 * agent needs no OS store; `destroy()` zeroes the key in memory and deletes the sealed file.
 */
export function createSealedKeyProvider(
  material: SealedKeyMaterial,
  options: { onSpareUsed?: () => void } = {},
): SealedKeyProvider {
  let current = material.current;
  let key: Buffer | undefined = current.status === 'present' ? Buffer.from(current.key) : undefined;
  if (key && key.length !== DATA_KEY_BYTES) {
    key = undefined;
    current = {
      status: 'corrupt',
      detail: `the unsealed key has ${material.current.status === 'present' ? material.current.key.length : 0} bytes, not ${DATA_KEY_BYTES}`,
    };
  }
  const spares = material.spares.map((spare) => ({
    key: Buffer.from(spare.key),
    sealed: Buffer.from(spare.sealed),
  }));
  return {
    description: material.description,
    warning: material.warning,
    get spareCount() {
      return spares.length;
    },
    addSpare(spare) {
      spares.push({ key: Buffer.from(spare.key), sealed: Buffer.from(spare.sealed) });
    },
    inspect() {
      if (key) return { status: 'present' };
      return current.status === 'unavailable' || current.status === 'corrupt'
        ? { status: current.status, detail: current.detail }
        : { status: 'absent' };
    },
    load: () => key,
    create() {
      if (current.status === 'unavailable') {
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: `The data key cannot be unsealed now (${current.detail}); nothing was changed. Unlock the OS keyring and restart the kiosk.`,
        });
      }
      const spare = spares.shift();
      if (!spare || spare.key.length !== DATA_KEY_BYTES) {
        throw new AppError('SERVICE_UNAVAILABLE', {
          message: 'No sealed spare key is left for a new data key; restart the kiosk app.',
        });
      }
      writeFileDurably(material.sealedKeyFile, spare.sealed);
      key = spare.key;
      current = { status: 'present', key };
      options.onSpareUsed?.();
      return key;
    },
    destroy() {
      key?.fill(0);
      key = undefined;
      current = { status: 'absent' };
      rmSync(material.sealedKeyFile, { force: true });
    },
  };
}

/**
 * After a final key loss: deletes the face templates (ciphertext nobody can read any more; the hub
 * sends them again after re-provisioning) and queues one `data_key_lost` security event. The
 * identity, PIN hashes and punches stay: PIN punches keep working until the installer provisions
 * again with --force, which replaces the identity (its private key is unreadable too).
 */
export function wipeUnreadableData(
  store: Pick<AgentStore, 'db'>,
  params: { reason: 'absent' | 'corrupt'; at?: Date },
): { templates: number } {
  return store.db.transaction(
    (tx) => {
      // No db-kiosk query deletes every template without the roster and PIN hashes (wipeBiometricData).
      const templates = tx.delete(faceTemplates).run().changes;
      const alreadyReported = listSecurityEvents(tx, { kind: 'data_key_lost' }).some(
        (event) => !event.sentAt,
      );
      if (templates > 0 || !alreadyReported) {
        insertSecurityEvent(tx, {
          kind: 'data_key_lost',
          at: params.at ?? new Date(),
          details: { reason: params.reason, templatesWiped: templates },
        });
      }
      return { templates };
    },
    { behavior: 'immediate' },
  );
}
