/**
 * 50 simulated kiosks against one real hub process (a fresh database on DATABASE_URL, otherwise
 * PGlite): each is provisioned with the same enrollment token (the hub's registration limits raised
 * through DEVICE_REGISTRATIONS_PER_TOKEN / _PER_IP), records PIN punches through the agent's punch
 * service into its own SQLite outbox, and syncs with the agent's sync client, all at once. Every
 * kiosk loses the answer to its first batch (the connection drops after the hub stored it), so
 * every kiosk also resends. Between two rounds an admin moves the site to another time zone, which
 * the heartbeats bring to every kiosk. What reached the hub is read from its database after it stopped.
 *
 *   KIOSK_FLEET_SIZE       kiosks (default 50)
 *   KIOSK_FLEET_PUNCHES    punches per kiosk per round, two rounds (default 40)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '@clockface/contracts/sync';
import { ManualClock, systemClock } from '@clockface/core';
import { countPunchesByStatus } from '@clockface/db-kiosk';
import { genesisHead } from '@clockface/sync-protocol';
import { loadConfig } from '../src/agent/config';
import { openAgentStore, requireIdentity } from '../src/agent/db';
import { createPunchService } from '../src/agent/punch.service';
import { ProvisioningError, provisionKiosk } from '../src/agent/provisioning';
import { loadSettings } from '../src/agent/status';
import { createSyncClient, type SyncStepResult } from '../src/agent/sync-loop';
import {
  createEnrollmentToken,
  createOrg,
  createRealHub,
  hubRequest,
  type HubOrg,
  type RealHub,
} from './helpers/real-hub';

const FLEET_SIZE = Number(process.env.KIOSK_FLEET_SIZE ?? 50);
const PUNCHES = Number(process.env.KIOSK_FLEET_PUNCHES ?? 40);
/** Small batches, so each kiosk sends several per round. */
const BATCH_SIZE = 15;

let hub: RealHub;
let org: HubOrg;
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-fleet-'));

beforeAll(async () => {
  hub = await createRealHub({
    env: {
      DEVICE_REGISTRATIONS_PER_TOKEN: String(FLEET_SIZE),
      DEVICE_REGISTRATIONS_PER_IP: String(FLEET_SIZE + 10),
    },
  });
  await hub.start();
  org = await createOrg(hub, 3);
}, 180_000);

afterAll(async () => {
  await hub?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const configFor = (index: number) => loadConfig({ dataDir: join(scratch, `kiosk-${index}`) }, {});

/** The kiosk settings a kiosk has stored. */
function settingsOf(index: number) {
  const store = openAgentStore(configFor(index));
  try {
    return loadSettings(store);
  } finally {
    store.close();
  }
}

/** PIN punches through the agent's punch service (synchronous=NORMAL: delivery is under test, not fsync). */
function recordPunches(index: number, count: number): string[] {
  const store = openAgentStore(configFor(index));
  store.sqlite.pragma('synchronous = NORMAL');
  try {
    const clock = new ManualClock(new Date());
    const settings = { ...loadSettings(store), duplicateWindowSeconds: 0 };
    const punches = createPunchService({
      store,
      clock,
      monotonicMs: () => 0,
      runId: randomUUID(),
      settings: () => settings,
    });
    return Array.from({ length: count }, (_, punch) => {
      clock.advance(1000);
      const outcome = punches.recordPunch({
        employeeId: org.employees[(index + punch) % org.employees.length]!.id,
        method: 'pin',
        score: null,
        liveness: null,
        modelId: null,
      });
      if (outcome.status !== 'recorded') throw new Error(`not recorded: ${outcome.message}`);
      return outcome.punch.id;
    });
  } finally {
    store.close();
  }
}

/**
 * Syncs one kiosk until its outbox is empty. With `loseFirstAck`, the first batch reaches the hub
 * but its answer is dropped, as a cut connection would.
 */
async function syncKiosk(index: number, options: { loseFirstAck: boolean }): Promise<SyncStepResult[]> {
  const store = openAgentStore(configFor(index));
  let isAckLost = !options.loseFirstAck;
  const fetchDroppingOneAck: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!isAckLost && new URL(String(input)).pathname === SYNC_PATHS.events) {
      isAckLost = true;
      await response.arrayBuffer();
      throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
    }
    return response;
  };
  try {
    const client = createSyncClient({
      store,
      clock: systemClock,
      appVersion: 'fleet-test',
      batchSizeCap: BATCH_SIZE,
      fetch: fetchDroppingOneAck,
    });
    const results: SyncStepResult[] = [];
    for (let cycle = 0; cycle < 10; cycle += 1) {
      const result = await client.syncOnce();
      results.push(result);
      if (result.kind === 'idle') return results;
      if (result.kind !== 'progress' && result.kind !== 'retry') {
        throw new Error(`kiosk ${index}: ${JSON.stringify(result)}`);
      }
    }
    throw new Error(`kiosk ${index} did not drain in 10 cycles: ${JSON.stringify(results.at(-1))}`);
  } finally {
    store.close();
  }
}

describe('a fleet of kiosks', () => {
  it(
    `${FLEET_SIZE} kiosks register with one token and sync at once: every punch arrives exactly once, in order`,
    { timeout: 600_000 },
    async () => {
      const { token } = await createEnrollmentToken(hub, org, { maxUses: FLEET_SIZE });
      const provisioned = await Promise.all(
        Array.from({ length: FLEET_SIZE }, (_, index) =>
          provisionKiosk({
            config: configFor(index),
            hubUrl: hub.url,
            token,
            name: `Fleet ${index}`,
            clock: systemClock,
          }),
        ),
      );
      expect(new Set(provisioned.map((result) => result.deviceId)).size).toBe(FLEET_SIZE);
      expect(provisioned.every((result) => result.roster.employees === org.employees.length)).toBe(true);
      expect(settingsOf(0).timeZone).toBe('Europe/Berlin');
      // The raised per-token limit still holds: one attempt more is refused before the token is read.
      const extra = await provisionKiosk({
        config: configFor(FLEET_SIZE),
        hubUrl: hub.url,
        token,
        clock: systemClock,
      }).catch((error: unknown) => error);
      expect(extra).toBeInstanceOf(ProvisioningError);
      expect((extra as ProvisioningError).code).toBe('RATE_LIMITED');

      const kiosks = Array.from({ length: FLEET_SIZE }, (_, index) => index);
      const recorded = kiosks.map((index) => recordPunches(index, PUNCHES));
      const firstRound = await Promise.all(kiosks.map((index) => syncKiosk(index, { loseFirstAck: true })));
      // Each kiosk saw the dropped answer as a network failure, then resent and drained.
      for (const results of firstRound) expect(results.some((result) => result.kind === 'retry')).toBe(true);
      // An admin moves the site to another time zone: the heartbeats of the next round carry it.
      const moved = await hubRequest(hub, 'PATCH', `/api/orgs/${org.orgId}/sites/${org.siteId}`, {
        token: org.accessToken,
        body: { timeZone: 'America/New_York' },
      });
      expect(moved.status).toBe(200);
      // A second round on top of the stored chains.
      kiosks.forEach((index) => recorded[index]!.push(...recordPunches(index, PUNCHES)));
      await Promise.all(kiosks.map((index) => syncKiosk(index, { loseFirstAck: false })));

      const deviceIds = kiosks.map((index) => {
        const store = openAgentStore(configFor(index));
        try {
          expect(countPunchesByStatus(store.db)).toMatchObject({
            pending: 0,
            synced: 2 * PUNCHES,
            rejected: 0,
            conflict: 0,
          });
          expect(loadSettings(store).timeZone).toBe('America/New_York');
          return requireIdentity(store).deviceId;
        } finally {
          store.close();
        }
      });

      await hub.stop();
      const rows = await hub.sql(
        `select device_id, id, seq, hash, prev_hash from attendance_events
          where device_id = any($1::uuid[]) order by device_id, seq`,
        [deviceIds],
      );
      const heads = await hub.sql('select id, last_seq from devices where id = any($1::uuid[])', [deviceIds]);
      expect(rows).toHaveLength(FLEET_SIZE * 2 * PUNCHES);
      kiosks.forEach((index) => {
        const deviceId = deviceIds[index]!;
        const events = rows.filter((row) => row.device_id === deviceId);
        // Exactly once, in the kiosk's order, seq 1..n, each linked to the one before.
        expect(events.map((event) => event.id)).toEqual(recorded[index]);
        expect(events.map((event) => Number(event.seq))).toEqual(recorded[index]!.map((_, seq) => seq + 1));
        let previous = genesisHead(deviceId).hash;
        for (const event of events) {
          expect(event.prev_hash).toBe(previous);
          previous = event.hash as string;
        }
        expect(Number(heads.find((head) => head.id === deviceId)?.last_seq)).toBe(2 * PUNCHES);
      });
    },
  );
});
