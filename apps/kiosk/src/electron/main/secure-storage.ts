/**
 * The data key in OS secure storage (Electron `safeStorage`, ELEC-08). Main unseals the key before
 * it starts the agent and hands it over in the start message with spare keys it has already sealed,
 * so the agent (a utility process, where safeStorage does not exist) can make a new key on its own.
 *
 * Only the async safeStorage API is used (Electron 46 removes the synchronous one).
 *
 * Linux without a keyring: safeStorage's `basic_text` backend "encrypts" with a hard-coded password,
 * so it is treated as unavailable. The key then stays in the headless agent's user-only file (0600),
 * and status shows a warning. It never silently lands in a file when a sealed key exists: a sealed key
 * that cannot be unsealed now (keyring locked) is reported as `unavailable`, and nothing is wiped.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import {
  KEY_BYTES,
  readKeyFile,
  sealedKeyFileFor,
  writeFileDurably,
  type SealedKeyMaterial,
  type SpareKey,
} from '../../agent/key-files';
import type { AgentKeyPlan } from '../shared/agent-protocol';

export type SafeStorageLike = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'
>;

export interface DataKeyOptions {
  safeStorage: SafeStorageLike;
  platform: NodeJS.Platform;
  dataDir: string;
  /** The headless agent's key file: the fallback, and migrated into sealed storage when found. */
  keyFile: string;
  /** Spare keys sealed ahead for the agent (default 2: a fresh store, then one re-provisioning). */
  spares?: number;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
}

type SecureStorageState = { usable: true; description: string } | { usable: false; reason: string };

export async function secureStorageState(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
): Promise<SecureStorageState> {
  try {
    let backend = '';
    if (platform === 'linux') {
      backend = safeStorage.getSelectedStorageBackend();
      if (backend === 'basic_text' || backend === 'unknown') {
        return {
          usable: false,
          reason: `OS secure storage is unavailable (Linux backend "${backend}": no keyring such as libsecret or KWallet)`,
        };
      }
    }
    if (!(await safeStorage.isAsyncEncryptionAvailable())) {
      return { usable: false, reason: 'OS secure storage reports encryption unavailable' };
    }
    return { usable: true, description: `OS secure storage${backend ? ` (${backend})` : ''}` };
  } catch (error) {
    return { usable: false, reason: `OS secure storage failed: ${(error as Error).message}` };
  }
}

export async function sealKey(safeStorage: SafeStorageLike, key: Uint8Array): Promise<Buffer> {
  return safeStorage.encryptStringAsync(Buffer.from(key).toString('base64'));
}

/** A fresh key with its sealed bytes, for the agent's `create()` (and after it used one). */
export async function makeSpareKey(safeStorage: SafeStorageLike): Promise<SpareKey> {
  const key = randomBytes(KEY_BYTES);
  return { key: new Uint8Array(key), sealed: new Uint8Array(await sealKey(safeStorage, key)) };
}

/** Decides where the agent's key comes from and unseals it. Never throws for a lost key. */
export async function prepareDataKey(options: DataKeyOptions): Promise<AgentKeyPlan> {
  const { safeStorage, log } = options;
  const sealedKeyFile = sealedKeyFileFor(options.dataDir);
  const state = await secureStorageState(safeStorage, options.platform);
  const sealedExists = existsSync(sealedKeyFile);

  if (!state.usable) {
    if (sealedExists) {
      // The key exists but is out of reach now: no fallback to a file, no new key, no wipe.
      const detail = `${state.reason}; the sealed key cannot be opened until it is back`;
      log('error', `data key unavailable: ${detail}`);
      return {
        mode: 'sealed',
        material: {
          sealedKeyFile,
          description: `OS secure storage, sealed in ${sealedKeyFile}`,
          current: { status: 'unavailable', detail },
          spares: [],
          warning: detail,
        },
      };
    }
    const warning = `${state.reason}: the data key is kept in a file only this user can read (${options.keyFile}), as on a headless kiosk. Install and unlock a keyring to seal it.`;
    log('warn', warning);
    return { mode: 'file', keyFile: options.keyFile, warning };
  }

  const description = `${state.description}, sealed in ${sealedKeyFile}`;
  let current: SealedKeyMaterial['current'];
  if (sealedExists) {
    current = await unseal(options, sealedKeyFile);
  } else {
    current = await migrateKeyFile(options, sealedKeyFile);
  }
  if (current.status === 'corrupt')
    log('error', `data key lost (${current.detail}): re-provision this kiosk`);
  const spares = await Promise.all(
    Array.from({ length: options.spares ?? 2 }, () => makeSpareKey(safeStorage)),
  );
  return { mode: 'sealed', material: { sealedKeyFile, description, current, spares } };
}

async function unseal(options: DataKeyOptions, sealedKeyFile: string): Promise<SealedKeyMaterial['current']> {
  try {
    const { result, shouldReEncrypt } = await options.safeStorage.decryptStringAsync(
      readFileSync(sealedKeyFile),
    );
    const key = Buffer.from(result, 'base64');
    if (key.length !== KEY_BYTES) return { status: 'corrupt', detail: 'the sealed key is not a 32-byte key' };
    if (shouldReEncrypt) {
      writeFileDurably(sealedKeyFile, await sealKey(options.safeStorage, key));
      options.log('info', 'data key sealed again (the OS rotated its key)');
    }
    return { status: 'present', key: new Uint8Array(key) };
  } catch (error) {
    // The OS store answers but cannot open this blob: its key changed (OS reinstall, new user
    // profile) or the file is damaged. Final: the agent wipes what the key encrypted.
    return {
      status: 'corrupt',
      detail: `OS secure storage cannot unseal ${sealedKeyFile}: ${(error as Error).message}`,
    };
  }
}

/**
 * A kiosk provisioned headless (`kiosk-agent provision`) and then started as the app: seal the file
 * key, then shred the file (sealed first, so a crash in between leaves both and the sealed one wins).
 */
async function migrateKeyFile(
  options: DataKeyOptions,
  sealedKeyFile: string,
): Promise<SealedKeyMaterial['current']> {
  const found = readKeyFile(options.keyFile);
  if (found === undefined) return { status: 'absent' };
  if (found === 'corrupt') {
    rmSync(options.keyFile, { force: true });
    return { status: 'corrupt', detail: `${options.keyFile} is not a base64 32-byte key` };
  }
  writeFileDurably(sealedKeyFile, await sealKey(options.safeStorage, found));
  writeFileDurably(options.keyFile, Buffer.alloc(64, 0));
  rmSync(options.keyFile, { force: true });
  options.log('info', `data key moved from ${options.keyFile} into OS secure storage`);
  return { status: 'present', key: new Uint8Array(found) };
}
