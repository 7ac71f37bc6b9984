import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileKeyProvider, decryptRecord, encryptRecord, templateAad } from './crypto';

const scratch = mkdtempSync(join(tmpdir(), 'kiosk-crypto-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('AES-256-GCM records', () => {
  const key = randomBytes(32);
  const aad = templateAad({ orgId: 'o', employeeId: 'e1', modelId: 'm@1', version: 1 });

  it('round-trips, and fails for another key, another AAD or a flipped bit', () => {
    const record = encryptRecord(key, Buffer.from('secret'), aad);
    expect(decryptRecord(key, record, aad)?.toString()).toBe('secret');
    expect(decryptRecord(randomBytes(32), record, aad)).toBeUndefined();
    expect(
      decryptRecord(key, record, templateAad({ orgId: 'o', employeeId: 'e2', modelId: 'm@1', version: 1 })),
    ).toBeUndefined();
    expect(
      decryptRecord(key, record, templateAad({ orgId: 'o', employeeId: 'e1', modelId: 'm@2', version: 1 })),
    ).toBeUndefined();
    const flipped = Buffer.from(record);
    flipped[flipped.length - 1]! ^= 1;
    expect(decryptRecord(key, flipped, aad)).toBeUndefined();
    expect(decryptRecord(key, Buffer.alloc(3), aad)).toBeUndefined();
  });

  it('never repeats a nonce (100,000 encryptions under one key, DATA-03)', () => {
    const nonces = new Set<string>();
    for (let index = 0; index < 100_000; index += 1) {
      nonces.add(encryptRecord(key, Buffer.alloc(1), aad).subarray(1, 13).toString('hex'));
    }
    expect(nonces.size).toBe(100_000);
  });
});

describe('FileKeyProvider', () => {
  it('creates a 0600 key file in a 0700 folder, loads it, and shreds it', () => {
    const provider = new FileKeyProvider(join(scratch, 'keys', 'data.key'));
    expect(provider.load()).toBeUndefined();
    const key = provider.create();
    expect(statSync(provider.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(scratch, 'keys')).mode & 0o777).toBe(0o700);
    expect(provider.load()?.equals(key)).toBe(true);
    expect(() => provider.create()).toThrow();
    provider.destroy();
    expect(provider.load()).toBeUndefined();
  });

  it('loads a damaged key file as "no key", never as a crash', () => {
    const path = join(scratch, 'damaged.key');
    writeFileSync(path, 'not base64 of 32 bytes', { mode: 0o600 });
    expect(new FileKeyProvider(path).load()).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toContain('not');
  });
});
