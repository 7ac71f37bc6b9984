/**
 * Key file helpers shared by the agent and the Electron shell's main process: paths, the durable
 * write, the headless key file's format, and the shapes of the sealed key handed to the agent.
 * Plain Node with no workspace import, so main (which must not import db-kiosk) can use it.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/** AES-256-GCM: a 32-byte data key (db-kiosk's DATA_KEY_BYTES). */
export const KEY_BYTES = 32;

/** The Electron shell's sealed key in a data folder (beside the headless `keys/data.key`). */
export function sealedKeyFileFor(dataDir: string): string {
  return join(dataDir, 'keys', 'data.key.sealed');
}

/**
 * The headless key file (base64 of 32 bytes): the key, `undefined` when there is no file, or
 * `'corrupt'` (db-kiosk's FileKeyProvider reads the same format).
 */
export function readKeyFile(path: string): Buffer | 'corrupt' | undefined {
  if (!existsSync(path)) return undefined;
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  return key.length === KEY_BYTES ? key : 'corrupt';
}

/** A fresh data key and the same key sealed by the OS secure storage, prepared by the Electron shell. */
export interface SpareKey {
  key: Uint8Array;
  sealed: Uint8Array;
}

/** What the Electron shell hands the agent in its start message (structured-clone safe). */
export interface SealedKeyMaterial {
  /** The sealed key's file: read by the shell; written here (from a spare) when the store needs a key. */
  sealedKeyFile: string;
  /** e.g. "OS secure storage (gnome_libsecret), sealed in …/keys/data.key.sealed" */
  description: string;
  current:
    | { status: 'present'; key: Uint8Array }
    | { status: 'absent' }
    | { status: 'corrupt' | 'unavailable'; detail: string };
  spares: SpareKey[];
  warning?: string;
}

/** Writes to a temp file, fsyncs it, renames it over `path` (0600, folder 0700): all or nothing. */
export function writeFileDurably(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  // The rename is durable once the folder is synced (POSIX; Windows cannot open folders, nor needs to).
  if (process.platform !== 'win32') {
    const folder = openSync(dirname(path), 'r');
    try {
      fsyncSync(folder);
    } finally {
      closeSync(folder);
    }
  }
}
