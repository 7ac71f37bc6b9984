import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@clockface/core';
import { countTemplates } from '@clockface/db-kiosk';
import { ADA, seedKiosk, storeConfig } from '../../../test/helpers/seed-kiosk';
import { openAgentStore } from '../../agent/db';
import { createFileKeyProvider, createSealedKeyProvider, sealedKeyFileFor } from '../../agent/key-storage';
import { applyRosterDelta } from '../../agent/roster-sync';
import { getAgentStatus } from '../../agent/status';
import type { AgentKeyPlan } from '../shared/agent-protocol';
import { prepareDataKey, type SafeStorageLike } from './secure-storage';

/**
 * Stands in for Electron's safeStorage (the binary cannot run here): real AES-GCM under an "OS
 * key" the test can replace (a reinstalled OS) or withhold (a locked keyring, a missing one).
 */
class FakeSafeStorage implements SafeStorageLike {
  osKey = randomBytes(32);
  backend: ReturnType<SafeStorageLike['getSelectedStorageBackend']> = 'gnome_libsecret';
  available = true;
  rotated = false;
  async isAsyncEncryptionAvailable() {
    return this.available;
  }
  getSelectedStorageBackend() {
    return this.backend;
  }
  async encryptStringAsync(plainText: string) {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.osKey, nonce);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from('v11'), nonce, cipher.getAuthTag(), body]);
  }
  async decryptStringAsync(encrypted: Buffer) {
    if (!this.available) throw new Error('encryption is not available');
    const decipher = createDecipheriv('aes-256-gcm', this.osKey, encrypted.subarray(3, 15));
    decipher.setAuthTag(encrypted.subarray(15, 31));
    const result = Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString(
      'utf8',
    );
    return { result, shouldReEncrypt: this.rotated };
  }
}

function addTemplate(store: ReturnType<typeof openAgentStore>) {
  applyRosterDelta(
    store,
    {
      cursor: 'c2',
      hasMore: false,
      serverTime: '2026-11-22T09:00:00.000Z',
      employees: [],
      pinHashes: [],
      templates: [
        {
          id: '019a0000-0000-7000-8000-0000000000a1',
          employeeId: ADA.id,
          modelId: 'test-model@1',
          dimension: 2,
          version: 1,
          embedding: Buffer.from(new Float32Array([0.25, 0.5]).buffer).toString('base64'),
        },
      ],
      tombstones: [],
    },
    new ManualClock('2026-11-22T09:00:00Z'),
  );
}

let dataDir: string;
let safeStorage: FakeSafeStorage;
const logs: string[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-secure-'));
  safeStorage = new FakeSafeStorage();
  logs.length = 0;
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function prepare(platform: NodeJS.Platform = 'linux') {
  return prepareDataKey({
    safeStorage,
    platform,
    dataDir,
    keyFile: storeConfig(dataDir).keyFile,
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
}

/** What the agent process does with the plan (agent-process.ts). */
function openWith(plan: AgentKeyPlan) {
  return openAgentStore(
    storeConfig(dataDir),
    plan.mode === 'sealed'
      ? createSealedKeyProvider(plan.material)
      : createFileKeyProvider(plan.keyFile, {
          warning: plan.warning,
          sealedKeyFile: sealedKeyFileFor(dataDir),
        }),
  );
}

describe('ELEC-08 the data key in OS secure storage', () => {
  it('a fresh kiosk: the agent takes a sealed spare; the next start unseals the same key; no plain key on disk', async () => {
    const plan = await prepare();
    expect(plan).toMatchObject({ mode: 'sealed', material: { current: { status: 'absent' } } });
    let store = openWith(plan);
    expect(store.keyState.status).toBe('ready');
    const key = Buffer.from(store.keyState.status === 'ready' ? store.keyState.key : []);
    store.close();
    expect(existsSync(storeConfig(dataDir).keyFile)).toBe(false);
    const sealed = readFileSync(sealedKeyFileFor(dataDir));
    expect(sealed.includes(key)).toBe(false);
    expect(sealed.includes(Buffer.from(key.toString('base64')))).toBe(false);
    expect(statSync(sealedKeyFileFor(dataDir)).mode & 0o777).toBe(0o600);

    const again = await prepare();
    expect(again.mode === 'sealed' && again.material.current).toMatchObject({ status: 'present' });
    store = openWith(again);
    expect(store.keyState.status === 'ready' && Buffer.from(store.keyState.key).equals(key)).toBe(true);
    store.close();
  });

  it.each(['basic_text', 'unknown'] as const)(
    'Linux backend %s: no sealing with a hard-coded password; the user-only file, with a warning in status',
    async (backend) => {
      safeStorage.backend = backend;
      const plan = await prepare();
      expect(plan).toMatchObject({ mode: 'file', keyFile: storeConfig(dataDir).keyFile });
      expect(plan.mode === 'file' && plan.warning).toMatch(
        new RegExp(`"${backend}".*only this user can read`),
      );
      expect(logs.some((line) => line.startsWith('warn:') && line.includes(backend))).toBe(true);
      const store = openWith(plan);
      expect(store.keyState.status).toBe('ready');
      expect(statSync(storeConfig(dataDir).keyFile).mode & 0o777).toBe(0o600);
      expect(existsSync(sealedKeyFileFor(dataDir))).toBe(false);
      expect(getAgentStatus(store, { dataDir, appVersion: 'test' }).dataKey.warning).toMatch(
        /only this user/,
      );
      store.close();
    },
  );

  it('basic_text is not consulted on macOS or Windows; unavailable encryption falls back the same way', async () => {
    safeStorage.backend = 'basic_text';
    expect((await prepare('darwin')).mode).toBe('sealed');
    rmSync(sealedKeyFileFor(dataDir), { force: true });
    safeStorage.available = false;
    expect((await prepare('win32')).mode).toBe('file');
  });

  it('a sealed key the keyring cannot open now: unavailable, no file fallback, nothing wiped', async () => {
    const { store } = await seedKiosk(dataDir);
    store.close();
    // Seal the seeded key as the app would have.
    const migrated = await prepare();
    expect(migrated.mode === 'sealed' && migrated.material.current.status).toBe('present');
    openWith(migrated).close();

    safeStorage.backend = 'basic_text';
    const plan = await prepare();
    expect(plan).toMatchObject({
      mode: 'sealed',
      material: { current: { status: 'unavailable' }, spares: [] },
    });
    const reopened = openWith(plan);
    expect(reopened.lostKeyWipe).toBeUndefined();
    expect(getAgentStatus(reopened, { dataDir, appVersion: 'test' }).dataKey).toMatchObject({
      status: 'reprovision_required',
      lookup: { status: 'unavailable' },
    });
    reopened.close();
    expect(existsSync(storeConfig(dataDir).keyFile)).toBe(false);
    expect(existsSync(sealedKeyFileFor(dataDir))).toBe(true);

    safeStorage.backend = 'gnome_libsecret';
    const back = openWith(await prepare());
    expect(back.keyState.status).toBe('ready');
    back.close();
  });

  it('the OS lost its key (reinstall): the sealed key is lost, the agent re-provisions and wipes instead of crashing', async () => {
    const { store } = await seedKiosk(dataDir);
    addTemplate(store);
    store.close();
    openWith(await prepare()).close();
    safeStorage.osKey = randomBytes(32);
    const plan = await prepare();
    expect(plan.mode === 'sealed' && plan.material.current).toMatchObject({ status: 'corrupt' });
    expect(logs.some((line) => line.startsWith('error: data key lost'))).toBe(true);
    const reopened = openWith(plan);
    expect(reopened.keyState).toMatchObject({ status: 'reprovision' });
    expect(reopened.lostKeyWipe).toEqual({ reason: 'corrupt', templates: 1 });
    expect(countTemplates(reopened.db)).toBe(0);
    reopened.close();
  });

  it('a kiosk provisioned headless moves its key file into secure storage (sealed first, then the file shredded)', async () => {
    const { store } = await seedKiosk(dataDir);
    const fileKey = readFileSync(storeConfig(dataDir).keyFile, 'utf8');
    store.close();
    const plan = await prepare();
    expect(existsSync(storeConfig(dataDir).keyFile)).toBe(false);
    expect(
      plan.mode === 'sealed' &&
        Buffer.from(plan.material.current.status === 'present' ? plan.material.current.key : []).toString(
          'base64',
        ),
    ).toBe(fileKey.trim());
    const reopened = openWith(plan);
    expect(reopened.keyState.status).toBe('ready');
    reopened.close();
  });

  it('re-seals when the OS asks (shouldReEncrypt)', async () => {
    openWith(await prepare()).close();
    const before = readFileSync(sealedKeyFileFor(dataDir));
    safeStorage.rotated = true;
    const plan = await prepare();
    expect(plan.mode === 'sealed' && plan.material.current.status).toBe('present');
    expect(readFileSync(sealedKeyFileFor(dataDir)).equals(before)).toBe(false);
  });

  it('a damaged sealed file is a lost key', async () => {
    openWith(await prepare()).close();
    writeFileSync(sealedKeyFileFor(dataDir), randomBytes(40));
    const plan = await prepare();
    expect(plan.mode === 'sealed' && plan.material.current).toMatchObject({ status: 'corrupt' });
  });
});
