import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bytesToTemplate,
  createBiometricCipher,
  loadDataKey,
  parseDataKey,
  templateToBytes,
} from './template-crypto';

const aad = {
  kind: 'template' as const,
  orgId: '019a0000-0000-7000-8000-00000000000a',
  employeeId: '019a0000-0000-7000-8000-0000000000e1',
  recordId: '019a0000-0000-7000-8000-00000000aa01',
};

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

describe('biometric cipher', () => {
  it('round-trips a template and refuses any other binding, a flipped bit or another key', () => {
    const key = randomBytes(32);
    const cipher = createBiometricCipher(key);
    const vector = Float32Array.from({ length: 512 }, (_, index) => Math.sin(index));
    const sealed = cipher.encrypt(templateToBytes(vector), aad);
    expect(sealed.length).toBe(12 + 512 * 4 + 16);
    expect(bytesToTemplate(cipher.decrypt(sealed, aad))).toEqual(vector);

    for (const other of [
      { ...aad, recordId: '019a0000-0000-7000-8000-00000000aa02' },
      { ...aad, employeeId: '019a0000-0000-7000-8000-0000000000e2' },
      { ...aad, orgId: '019a0000-0000-7000-8000-00000000000b' },
      { ...aad, kind: 'photo' as const },
    ]) {
      expect(() => cipher.decrypt(sealed, other)).toThrow(/does not decrypt/);
    }
    const flipped = Buffer.from(sealed);
    flipped[40]! ^= 1;
    expect(() => cipher.decrypt(flipped, aad)).toThrow(/does not decrypt/);
    expect(() => createBiometricCipher(randomBytes(32)).decrypt(sealed, aad)).toThrow(/does not decrypt/);
    expect(() => cipher.decrypt(sealed.subarray(0, 20), aad)).toThrow(/truncated/);
  });

  it('HUB_DATA_KEY must be 32 bytes of base64', () => {
    expect(parseDataKey(randomBytes(32).toString('base64')).length).toBe(32);
    expect(() => parseDataKey(randomBytes(16).toString('base64'))).toThrow(/HUB_DATA_KEY/);
    expect(() => parseDataKey('not base64 at all!')).toThrow(/HUB_DATA_KEY/);
  });

  it('generates a development key once (owner-only file) and reuses it; a configured key wins', () => {
    scratch = mkdtempSync(join(tmpdir(), 'hub-data-key-'));
    const file = join(scratch, 'secrets', 'hub-data-key');
    const first = loadDataKey(undefined, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadDataKey(undefined, file).equals(first)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(first.toString('base64'));
    const configured = randomBytes(32);
    expect(loadDataKey(configured.toString('base64'), file).equals(configured)).toBe(true);
  });
});
