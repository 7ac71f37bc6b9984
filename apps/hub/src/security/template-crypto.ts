/**
 * @module Biometric data at rest in the hub (face templates, kept enrollment photos): AES-256-GCM
 * with the hub's data key. The AAD binds each ciphertext to its org, employee and record id, so a
 * ciphertext copied onto another row (another person, another org) fails to decrypt instead of
 * identifying the wrong person.
 *
 * The key comes from HUB_DATA_KEY (base64, 32 bytes; required in production) or, in development,
 * from DATA_DIR/secrets/hub-data-key (generated once, like the signing key).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '@clockface/core';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Stored beside every ciphertext (`key_version`); bump with a new key and keep the old one to decrypt. */
export const DATA_KEY_VERSION = 1;

export type BiometricRecordKind = 'template' | 'photo';

export interface BiometricCipher {
  readonly keyVersion: number;
  /** iv (12) ‖ ciphertext ‖ tag (16). */
  encrypt(plaintext: Buffer, aad: BiometricAad): Buffer;
  /** Throws INTERNAL when the ciphertext, the AAD or the key does not match. */
  decrypt(sealed: Buffer, aad: BiometricAad): Buffer;
}

export interface BiometricAad {
  kind: BiometricRecordKind;
  orgId: string;
  employeeId: string;
  /** The template's (or photo's) own id. */
  recordId: string;
}

function aadBytes(aad: BiometricAad): Buffer {
  return Buffer.from(`clockface.hub.${aad.kind}.v1|${aad.orgId}|${aad.employeeId}|${aad.recordId}`, 'utf8');
}

export function createBiometricCipher(key: Buffer, keyVersion = DATA_KEY_VERSION): BiometricCipher {
  if (key.length !== KEY_BYTES) throw new Error(`Expected a ${KEY_BYTES}-byte data key, got ${key.length}`);
  return {
    keyVersion,
    encrypt(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aadBytes(aad));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]);
    },
    decrypt(sealed, aad) {
      if (sealed.length < IV_BYTES + TAG_BYTES) {
        throw new AppError('INTERNAL', {
          message: `The ${aad.kind} ${aad.recordId} ciphertext is truncated`,
        });
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
        decipher.setAAD(aadBytes(aad));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch (error) {
        throw new AppError('INTERNAL', {
          message: `The ${aad.kind} ${aad.recordId} does not decrypt with the hub's data key (moved, altered or another key)`,
          cause: error,
        });
      }
    },
  };
}

/** Float32 little-endian bytes of a template (the layout the sync wire format uses too). */
export function templateToBytes(vector: Float32Array): Buffer {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let index = 0; index < vector.length; index += 1) bytes.writeFloatLE(vector[index]!, index * 4);
  return bytes;
}

export function bytesToTemplate(bytes: Buffer): Float32Array {
  const vector = new Float32Array(bytes.length / 4);
  for (let index = 0; index < vector.length; index += 1) vector[index] = bytes.readFloatLE(index * 4);
  return vector;
}

/** Parses HUB_DATA_KEY: base64 of exactly 32 random bytes. */
export function parseDataKey(value: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64').replace(/=+$/, '') !== value.replace(/=+$/, '')) {
    throw new Error(
      `HUB_DATA_KEY: expected ${KEY_BYTES} bytes in base64 (generate: openssl rand -base64 32)`,
    );
  }
  return key;
}

/** The configured key, or the development key file (created 0600 on first use). */
export function loadDataKey(configured: string | undefined, devKeyFile: string): Buffer {
  if (configured) return parseDataKey(configured);
  if (existsSync(devKeyFile)) return parseDataKey(readFileSync(devKeyFile, 'utf8').trim());
  const key = randomBytes(KEY_BYTES);
  mkdirSync(dirname(devKeyFile), { recursive: true, mode: 0o700 });
  writeFileSync(devKeyFile, key.toString('base64'), { mode: 0o600 });
  return key;
}
