import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@clockface/core';
import { countTemplates, listSecurityEvents, listTemplates } from '@clockface/db-kiosk';
import { ADA, ORG_ID, TEST_SETTINGS, seedKiosk, storeConfig } from '../../test/helpers/seed-kiosk';
import { openAgentStore, requireDataKey, type AgentStore } from './db';
import {
  createFileKeyProvider,
  createSealedKeyProvider,
  sealedKeyFileFor,
  type SealedKeyMaterial,
} from './key-storage';
import { createPunchService } from './punch.service';
import { applyRosterDelta } from './roster-sync';
import { getAgentStatus } from './status';

let dataDir: string;
let store: AgentStore;

const TEMPLATE_ID = '019a0000-0000-7000-8000-0000000000a1';

function addTemplate(target: AgentStore) {
  applyRosterDelta(
    target,
    {
      cursor: 'c2',
      hasMore: false,
      serverTime: '2026-11-22T09:00:00.000Z',
      employees: [],
      pinHashes: [],
      templates: [
        {
          id: TEMPLATE_ID,
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

function pinPunch(target: AgentStore) {
  return createPunchService({
    store: target,
    clock: new ManualClock('2026-11-22T09:00:00Z'),
    monotonicMs: () => 0,
    runId: '019a0000-0000-7000-8000-0000000000f1',
    settings: () => TEST_SETTINGS,
  }).punchWithPin({ code: ADA.code, pin: ADA.pin });
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-keys-'));
  ({ store } = await seedKiosk(dataDir));
  addTemplate(store);
  expect(countTemplates(store.db)).toBe(1);
});

afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('headless key file', () => {
  it('is created 0600 in a 0700 folder', () => {
    const keyFile = storeConfig(dataDir).keyFile;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
  });

  it('lost: the store opens in re-provision state, wipes the unreadable templates once, PIN punches still work', async () => {
    store.close();
    rmSync(storeConfig(dataDir).keyFile);
    store = openAgentStore(storeConfig(dataDir));
    expect(store.keyState).toMatchObject({ status: 'reprovision', reason: 'missing' });
    expect(store.lostKeyWipe).toEqual({ reason: 'absent', templates: 1 });
    expect(countTemplates(store.db)).toBe(0);
    const status = getAgentStatus(store, { dataDir, appVersion: 'test' });
    expect(status.dataKey).toMatchObject({
      status: 'reprovision_required',
      lookup: { status: 'absent' },
      wiped: { reason: 'absent', templates: 1 },
    });
    expect((await pinPunch(store)).status).toBe('recorded');
    expect(() => requireDataKey(store)).toThrow(/missing/);

    store.close();
    store = openAgentStore(storeConfig(dataDir));
    expect(store.lostKeyWipe).toEqual({ reason: 'absent', templates: 0 });
    // One unsent event for the loss, not one per open.
    expect(listSecurityEvents(store.db, { kind: 'data_key_lost' })).toHaveLength(1);
  });

  it('corrupt: same as lost; a fresh store beside a corrupt file gets a new key instead of crashing', () => {
    store.close();
    writeFileSync(storeConfig(dataDir).keyFile, 'not a key\n');
    store = openAgentStore(storeConfig(dataDir));
    expect(store.lostKeyWipe).toEqual({ reason: 'corrupt', templates: 1 });
    expect(getAgentStatus(store, { dataDir, appVersion: 'test' }).dataKey.lookup).toMatchObject({
      status: 'corrupt',
    });
    store.close();

    const freshDir = mkdtempSync(join(tmpdir(), 'kiosk-keys-fresh-'));
    const config = storeConfig(freshDir);
    mkdirSync(join(freshDir, 'keys'), { mode: 0o700 });
    writeFileSync(config.keyFile, 'garbage', { mode: 0o600 });
    // db-kiosk's FileKeyProvider creates exclusively ('wx'): the corrupt file is shredded first.
    const fresh = openAgentStore(config);
    try {
      expect(fresh.keyState.status).toBe('ready');
      expect(Buffer.from(readFileSync(config.keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    } finally {
      fresh.close();
      rmSync(freshDir, { recursive: true, force: true });
      store = openAgentStore(storeConfig(dataDir));
    }
  });

  it("wrong (a valid key, not this store's): nothing is wiped, so restoring the right key restores the templates", () => {
    const keyFile = storeConfig(dataDir).keyFile;
    const rightKey = readFileSync(keyFile);
    store.close();
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`);
    store = openAgentStore(storeConfig(dataDir));
    expect(store.keyState).toMatchObject({ status: 'reprovision', reason: 'wrong' });
    expect(store.lostKeyWipe).toBeUndefined();
    expect(countTemplates(store.db)).toBe(1);
    store.close();
    writeFileSync(keyFile, rightKey);
    store = openAgentStore(storeConfig(dataDir));
    const { key } = requireDataKey(store);
    expect(
      listTemplates(store.db, { orgId: ORG_ID, modelId: 'test-model@1', dataKey: key }).templates,
    ).toHaveLength(1);
  });

  it('a key sealed by the Electron shell is out of reach, not lost: a headless open wipes nothing and creates nothing', () => {
    const keyFile = storeConfig(dataDir).keyFile;
    store.close();
    rmSync(keyFile);
    writeFileSync(sealedKeyFileFor(dataDir), randomBytes(64));
    store = openAgentStore(storeConfig(dataDir));
    expect(store.keyState.status).toBe('reprovision');
    expect(store.lostKeyWipe).toBeUndefined();
    expect(countTemplates(store.db)).toBe(1);
    expect(getAgentStatus(store, { dataDir, appVersion: 'test' }).dataKey.lookup).toMatchObject({
      status: 'unavailable',
    });
    const provider = createFileKeyProvider(keyFile, { sealedKeyFile: sealedKeyFileFor(dataDir) });
    expect(() => provider.create()).toThrow(/sealed by the kiosk app/);
    expect(existsSync(keyFile)).toBe(false);
  });
});

describe('sealed key (the Electron shell hands it over)', () => {
  function material(current: SealedKeyMaterial['current'], spares = 1): SealedKeyMaterial {
    return {
      sealedKeyFile: sealedKeyFileFor(dataDir),
      description: 'OS secure storage (test)',
      current,
      spares: Array.from({ length: spares }, () => {
        const key = randomBytes(32);
        // Stands in for safeStorage's ciphertext: the agent only stores these bytes, never reads them.
        return {
          key: new Uint8Array(key),
          sealed: new Uint8Array(Buffer.concat([Buffer.from('sealed:'), key])),
        };
      }),
    };
  }

  it('a fresh store takes a spare: its sealed bytes are written durably, the key opens the store again', () => {
    const freshDir = mkdtempSync(join(tmpdir(), 'kiosk-sealed-'));
    const config = storeConfig(freshDir);
    const given = { ...material({ status: 'absent' }, 2), sealedKeyFile: sealedKeyFileFor(freshDir) };
    let spareRequests = 0;
    const provider = createSealedKeyProvider(given, { onSpareUsed: () => (spareRequests += 1) });
    let fresh = openAgentStore(config, provider);
    try {
      expect(fresh.keyState.status).toBe('ready');
      expect(readFileSync(sealedKeyFileFor(freshDir))).toEqual(Buffer.from(given.spares[0]!.sealed));
      expect(statSync(sealedKeyFileFor(freshDir)).mode & 0o777).toBe(0o600);
      expect(existsSync(config.keyFile)).toBe(false);
      expect(provider.spareCount).toBe(1);
      expect(spareRequests).toBe(1);
      fresh.close();
      fresh = openAgentStore(
        config,
        createSealedKeyProvider({
          ...given,
          current: { status: 'present', key: given.spares[0]!.key },
          spares: [],
        }),
      );
      expect(fresh.keyState.status).toBe('ready');
    } finally {
      fresh.close();
      rmSync(freshDir, { recursive: true, force: true });
    }
  });

  it('an unsealed key that does not open the store, or a corrupt blob, means re-provision and a wipe', () => {
    store.close();
    store = openAgentStore(
      storeConfig(dataDir),
      createSealedKeyProvider(
        material({ status: 'corrupt', detail: 'safeStorage could not decrypt the blob' }),
      ),
    );
    expect(store.keyState).toMatchObject({ status: 'reprovision', reason: 'missing' });
    expect(store.lostKeyWipe).toEqual({ reason: 'corrupt', templates: 1 });
  });

  it('a key that cannot be unsealed now (keyring locked) wipes nothing; a fresh store refuses to make a key', () => {
    store.close();
    const locked = material({ status: 'unavailable', detail: 'the keyring is locked' });
    store = openAgentStore(storeConfig(dataDir), createSealedKeyProvider(locked));
    expect(store.keyState.status).toBe('reprovision');
    expect(store.lostKeyWipe).toBeUndefined();
    expect(countTemplates(store.db)).toBe(1);
    expect(() => createSealedKeyProvider(locked).create()).toThrow(/cannot be unsealed now/);
  });

  it('destroy zeroes the key and deletes the sealed file; with no spare left, create refuses', () => {
    const given = material({ status: 'present', key: new Uint8Array(randomBytes(32)) }, 0);
    writeFileSync(given.sealedKeyFile, 'sealed');
    const provider = createSealedKeyProvider(given);
    const key = provider.load()!;
    provider.destroy();
    expect(key.every((byte) => byte === 0)).toBe(true);
    expect(existsSync(given.sealedKeyFile)).toBe(false);
    expect(provider.inspect()).toEqual({ status: 'absent' });
    expect(() => provider.create()).toThrow(/No sealed spare key/);
  });
});
