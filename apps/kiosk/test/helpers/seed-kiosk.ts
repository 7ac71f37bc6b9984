/**
 * Seeds a kiosk data directory the way provisioning and the first roster pull do, but directly
 * through db-kiosk and the agent's own roster path, so unit tests need no hub process (the
 * end-to-end tests provision through the real hub: test/helpers/real-hub.ts).
 * Real SQLite file, real data key file, real Ed25519 key, real argon2id hashes.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { hash as hashArgon2 } from '@node-rs/argon2';
import { exportJWK, type JWK } from 'jose';
import type { TKioskSettings } from '@clockface/contracts/sync';
import { ManualClock } from '@clockface/core';
import { saveDeviceIdentity } from '@clockface/db-kiosk';
import { deviceKeyId } from '@clockface/sync-protocol';
import { openAgentStore, requireDataKey, type AgentStore } from '../../src/agent/db';
import { applyRosterDelta } from '../../src/agent/roster-sync';
import { createPunchService } from '../../src/agent/punch.service';

export const ORG_ID = '019a0000-0000-7000-8000-00000000000a';
export const DEVICE_ID = '019a0000-0000-7000-8000-0000000000d1';
export const ADA = {
  id: '019a0000-0000-7000-8000-0000000000e1',
  code: '1001',
  displayName: 'Ada',
  pin: '4711',
};
export const BOB = {
  id: '019a0000-0000-7000-8000-0000000000e2',
  code: '1002',
  displayName: 'Bob',
  pin: '0815',
};

export const TEST_SETTINGS: TKioskSettings = {
  recognition: { modelId: 'test-model@1', matchThreshold: 0.6, margin: 0.05, consecutiveFrames: 3 },
  duplicateWindowSeconds: 60,
  padMode: 'warn',
  padThreshold: 0.5,
  timeZone: 'UTC',
};

export function storeConfig(dataDir: string) {
  return { dbFile: join(dataDir, 'kiosk.db'), keyFile: join(dataDir, 'keys', 'data.key') };
}

// argon2id with low cost: the tests verify the path, not the cost (the hub picks the cost).
const PIN_HASH_OPTIONS = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

export async function seedKiosk(
  dataDir: string,
  options: { settings?: TKioskSettings; employees?: (typeof ADA)[]; hubUrl?: string; audience?: string } = {},
): Promise<{ store: AgentStore; privateKey: KeyObject; kid: string; publicJwk: JWK }> {
  const store = openAgentStore(storeConfig(dataDir));
  const dataKey = requireDataKey(store);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = await exportJWK(publicKey);
  const kid = await deviceKeyId({ kty: 'OKP', crv: 'Ed25519', x: jwk.x! });
  saveDeviceIdentity(store.db, {
    deviceId: DEVICE_ID,
    orgId: ORG_ID,
    siteId: null,
    name: 'Test kiosk',
    hubUrl: options.hubUrl ?? 'https://hub.example',
    audience: options.audience ?? 'https://hub.example/api/sync',
    kid,
    publicJwk: JSON.stringify(jwk),
    privateKey,
    dataKey: dataKey.key,
    keyVersion: dataKey.keyVersion,
    provisionedAt: new Date('2026-11-01T00:00:00Z'),
  });
  const employees = options.employees ?? [ADA, BOB];
  applyRosterDelta(
    store,
    {
      cursor: 'seed-1',
      hasMore: false,
      serverTime: '2026-11-01T00:00:00.000Z',
      employees: employees.map(({ id, code, displayName }) => ({ id, code, displayName, isActive: true })),
      pinHashes: await Promise.all(
        employees.map(async (employee) => ({
          employeeId: employee.id,
          hash: await hashArgon2(employee.pin, PIN_HASH_OPTIONS),
        })),
      ),
      templates: [],
      tombstones: [],
      settings: options.settings ?? TEST_SETTINGS,
    },
    new ManualClock('2026-11-01T00:00:00Z'),
  );
  return { store, privateKey, kid, publicJwk: jwk };
}

/**
 * Records `count` alternating Ada/Bob punches a minute apart through the real punch service, with
 * no duplicate window, so outbox and sync tests start from a known backlog.
 */
export function recordTestPunches(store: AgentStore, count: number, method: 'face' | 'pin') {
  const clock = new ManualClock('2026-11-22T06:00:00Z');
  const punches = createPunchService({
    store,
    clock,
    monotonicMs: () => 0,
    runId: '019a0000-0000-7000-8000-0000000000f1',
    settings: () => ({ ...TEST_SETTINGS, duplicateWindowSeconds: 0 }),
  });
  const evidence =
    method === 'face'
      ? { score: 0.9, liveness: 0.95, modelId: 'test-model@1' }
      : { score: null, liveness: null, modelId: null };
  for (let index = 0; index < count; index += 1) {
    clock.advance(60_000);
    punches.recordPunch({ employeeId: index % 2 === 0 ? ADA.id : BOB.id, method, ...evidence });
  }
}
