/**
 * Encryption at rest for face templates and the device private key (BIO-01, DATA-03):
 * AES-256-GCM, a fresh 96-bit random nonce per record, AAD binding the record to its identity so a
 * ciphertext copied onto another row does not decrypt. The 32-byte data key lives outside the
 * database, behind a KeyProvider (a 0600 file for the headless agent; Electron safeStorage later).
 *
 * Record layout: version (1 byte, 0x01) | nonce (12) | tag (16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

const RECORD_VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

/** Where the data key lives. `load` returns undefined when there is none (never throws for "missing"). */
export interface KeyProvider {
  /** Human-readable location, for status output (never the key). */
  readonly description: string;
  load(): Buffer | undefined;
  /** Makes, stores and returns a new random key. */
  create(): Buffer;
  /** Crypto-shred: after this, every ciphertext under the key is unreadable (DEV-04). */
  destroy(): void;
}

/**
 * The headless agent's key: base64 in a file only its user can read (mode 0600, directory 0700).
 * A file with the wrong length or encoding loads as undefined, which the store reports as
 * "re-provision", never as a crash.
 */
export class FileKeyProvider implements KeyProvider {
  readonly description: string;

  constructor(readonly path: string) {
    this.description = `file ${path}`;
  }

  load(): Buffer | undefined {
    if (!existsSync(this.path)) return undefined;
    const key = Buffer.from(readFileSync(this.path, 'utf8').trim(), 'base64');
    return key.length === DATA_KEY_BYTES ? key : undefined;
  }

  create(): Buffer {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const key = randomBytes(DATA_KEY_BYTES);
    // 'wx': never overwrite an existing key silently; fsync so the key is on disk before data uses it.
    const fd = openSync(this.path, 'wx', 0o600);
    try {
      writeSync(fd, `${key.toString('base64')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(this.path, 0o600);
    return key;
  }

  destroy(): void {
    if (!existsSync(this.path)) return;
    const fd = openSync(this.path, 'r+');
    try {
      writeSync(fd, Buffer.alloc(64, 0), 0, 64, 0);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    rmSync(this.path, { force: true });
  }
}

/** A key held in memory only; for tests and for the Electron shell to wrap safeStorage around. */
export class MemoryKeyProvider implements KeyProvider {
  readonly description = 'memory';
  #key: Buffer | undefined;

  constructor(key?: Buffer) {
    this.#key = key;
  }

  load(): Buffer | undefined {
    return this.#key;
  }

  create(): Buffer {
    this.#key = randomBytes(DATA_KEY_BYTES);
    return this.#key;
  }

  destroy(): void {
    this.#key?.fill(0);
    this.#key = undefined;
  }
}

export function encryptRecord(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([RECORD_VERSION]), nonce, cipher.getAuthTag(), ciphertext]);
}

/** Undefined when the key, the AAD or the bytes do not match: the caller refuses and logs `crypt_decrypt_fail`. */
export function decryptRecord(key: Buffer, record: Buffer, aad: string): Buffer | undefined {
  if (record.length < 1 + NONCE_BYTES + TAG_BYTES || record[0] !== RECORD_VERSION) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, record.subarray(1, 1 + NONCE_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(record.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(record.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    // GCM authentication failure is the expected signal for a wrong key or a moved record; it is
    // reported to the caller as undefined, which records it.
    return undefined;
  }
}

/** AAD of a face template: orgId|employeeId|modelId|version (BIO-01). */
export function templateAad(params: {
  orgId: string;
  employeeId: string;
  modelId: string;
  version: number;
}): string {
  return `clockface.template.v1|${params.orgId}|${params.employeeId}|${params.modelId}|${params.version}`;
}

/** AAD of the device private key. */
export function deviceKeyAad(deviceId: string): string {
  return `clockface.device-key.v1|${deviceId}`;
}

/** AAD and plaintext of the key-check record: proves a key is the store's key without touching data. */
export const KEY_CHECK_AAD = 'clockface.key-check.v1';
export function keyCheckPlaintext(keyVersion: number): Buffer {
  return createHash('sha256').update(`clockface.key-check.v1|${keyVersion}`).digest();
}
