import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryKeyProvider } from '../crypto';
import { openKioskDb } from '../open';
import { faceTemplates } from '../schema/index';
import { openDataKey } from './data-keys';
import { findDeviceIdentity, findDevicePrivateKey, saveDeviceIdentity } from './device';
import { countEmployees, deleteEmployees, findPinHash, upsertEmployees, upsertPinHashes } from './employees';
import { countTemplates, listTemplates, upsertTemplates } from './templates';
import { wipeBiometricData } from './wipe';
import { eq } from 'drizzle-orm';

const scratch = mkdtempSync(join(tmpdir(), 'kiosk-templates-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ORG = '019a0000-0000-7000-8000-00000000000a';
const ADA = '019a0000-0000-7000-8000-0000000000e1';
const BOB = '019a0000-0000-7000-8000-0000000000e2';
const at = new Date('2026-11-22T09:00:00Z');

function seed(file: string, provider = new MemoryKeyProvider()) {
  const store = openKioskDb(file);
  const keyState = openDataKey(store.db, provider);
  if (keyState.status !== 'ready') throw new Error('expected a ready key');
  upsertEmployees(store.db, {
    orgId: ORG,
    at,
    employees: [
      { id: ADA, code: '1001', displayName: 'Ada', isActive: true },
      { id: BOB, code: '1002', displayName: 'Bob', isActive: true },
    ],
  });
  return { store, keyState, provider };
}

/** A recognisable embedding: its first 16 bytes must never appear in the file (BIO-01 test 1). */
const marker = new Float32Array([0.123456789, -0.987654321, 0.5555555, 0.3141592, 0.25, -0.75]);

describe('face templates at rest', () => {
  it('are encrypted: the embedding bytes appear nowhere in the database or its WAL', () => {
    const file = join(scratch, 'plain.db');
    const { store, keyState } = seed(file);
    upsertTemplates(store.db, {
      orgId: ORG,
      at,
      dataKey: keyState.key,
      keyVersion: keyState.keyVersion,
      templates: [
        {
          id: '019a0000-0000-7000-8000-0000000000a1',
          employeeId: ADA,
          modelId: 'm@1',
          version: 1,
          embedding: marker,
        },
      ],
    });
    const needle = Buffer.from(marker.buffer, 0, 16);
    for (const suffix of ['', '-wal']) {
      expect(readFileSync(file + suffix).includes(needle)).toBe(false);
    }
    const { templates, failedIds } = listTemplates(store.db, {
      orgId: ORG,
      modelId: 'm@1',
      dataKey: keyState.key,
    });
    expect(failedIds).toEqual([]);
    expect(Array.from(templates[0]!.embedding)).toEqual(Array.from(marker));
    store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(file).includes(needle)).toBe(false);
    store.close();
  });

  it('are bound to their identity: swapped ciphertexts or a changed modelId do not decrypt', () => {
    const { store, keyState } = seed(join(scratch, 'swap.db'));
    const a = '019a0000-0000-7000-8000-0000000000a1';
    const b = '019a0000-0000-7000-8000-0000000000a2';
    upsertTemplates(store.db, {
      orgId: ORG,
      at,
      dataKey: keyState.key,
      keyVersion: 1,
      templates: [
        { id: a, employeeId: ADA, modelId: 'm@1', version: 1, embedding: marker },
        { id: b, employeeId: BOB, modelId: 'm@1', version: 1, embedding: new Float32Array(6).fill(0.5) },
      ],
    });
    const rowA = store.db.select().from(faceTemplates).where(eq(faceTemplates.id, a)).get()!;
    const rowB = store.db.select().from(faceTemplates).where(eq(faceTemplates.id, b)).get()!;
    store.db.update(faceTemplates).set({ ciphertext: rowB.ciphertext }).where(eq(faceTemplates.id, a)).run();
    store.db.update(faceTemplates).set({ ciphertext: rowA.ciphertext }).where(eq(faceTemplates.id, b)).run();
    expect(listTemplates(store.db, { orgId: ORG, modelId: 'm@1', dataKey: keyState.key })).toEqual({
      templates: [],
      failedIds: [a, b],
    });
    store.db
      .update(faceTemplates)
      .set({ ciphertext: rowA.ciphertext, modelId: 'm@2' })
      .where(eq(faceTemplates.id, a))
      .run();
    expect(listTemplates(store.db, { orgId: ORG, modelId: 'm@2', dataKey: keyState.key }).failedIds).toEqual([
      a,
    ]);
    store.close();
  });

  it('go with their employee (tombstone) and with a wipe', () => {
    const { store, keyState } = seed(join(scratch, 'wipe.db'));
    upsertTemplates(store.db, {
      orgId: ORG,
      at,
      dataKey: keyState.key,
      keyVersion: 1,
      templates: [
        {
          id: '019a0000-0000-7000-8000-0000000000a1',
          employeeId: ADA,
          modelId: 'm@1',
          version: 1,
          embedding: marker,
        },
        {
          id: '019a0000-0000-7000-8000-0000000000a2',
          employeeId: BOB,
          modelId: 'm@1',
          version: 1,
          embedding: marker,
        },
      ],
    });
    upsertPinHashes(store.db, { orgId: ORG, at, pinHashes: [{ employeeId: ADA, hash: '$argon2id$x' }] });
    deleteEmployees(store.db, { ids: [ADA] });
    expect(countTemplates(store.db)).toBe(1);
    expect(findPinHash(store.db, { employeeId: ADA })).toBeUndefined();
    expect(wipeBiometricData(store.db)).toEqual({ templates: 1, pinHashes: 0, employees: 1 });
    expect(countTemplates(store.db) + countEmployees(store.db)).toBe(0);
    store.close();
  });
});

describe('data key', () => {
  it('a lost or wrong key gives a re-provision state, never a crash; the device key stays sealed', () => {
    const file = join(scratch, 'key.db');
    const provider = new MemoryKeyProvider();
    const { store, keyState } = seed(file, provider);
    const { privateKey } = generateKeyPairSync('ed25519');
    saveDeviceIdentity(store.db, {
      deviceId: '019a0000-0000-7000-8000-0000000000d1',
      orgId: ORG,
      siteId: null,
      name: 'Front door',
      hubUrl: 'https://hub.example',
      audience: 'https://hub.example/api/sync',
      kid: 'kid',
      publicJwk: '{}',
      privateKey,
      dataKey: keyState.key,
      keyVersion: keyState.keyVersion,
      provisionedAt: at,
    });
    const identity = findDeviceIdentity(store.db)!;
    const restored = findDevicePrivateKey(identity, keyState.key)!;
    expect(restored.export({ format: 'jwk' })).toEqual(privateKey.export({ format: 'jwk' }));
    expect(findDevicePrivateKey(identity, randomBytes(32))).toBeUndefined();
    store.close();

    const reopened = openKioskDb(file);
    expect(openDataKey(reopened.db, new MemoryKeyProvider(randomBytes(32)))).toMatchObject({
      status: 'reprovision',
      reason: 'wrong',
    });
    expect(openDataKey(reopened.db, new MemoryKeyProvider())).toMatchObject({
      status: 'reprovision',
      reason: 'missing',
    });
    expect(openDataKey(reopened.db, provider)).toMatchObject({ status: 'ready' });
    reopened.close();
  });
});
