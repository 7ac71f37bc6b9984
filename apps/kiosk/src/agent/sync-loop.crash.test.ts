/**
 * Crash safety of the agent's side of sync: the real agent process (`kiosk-agent run`) is killed with
 * SIGKILL at random points while it pushes to a hub (the contract fake hub, which stores a batch
 * before it answers, so some kills land between "stored" and "acked"). After the last restart every
 * punch is on the hub exactly once, in order, and the kiosk's outbox is empty.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@clockface/core';
import { countPunchesByStatus } from '@clockface/db-kiosk';
import { genesisHead, verifyChain } from '@clockface/sync-protocol';
import { startFakeHub, type FakeHub } from '../../test/helpers/fake-hub';
import {
  ADA,
  BOB,
  DEVICE_ID,
  ORG_ID,
  TEST_SETTINGS,
  seedKiosk,
  storeConfig,
} from '../../test/helpers/seed-kiosk';
import { openAgentStore } from './db';
import { createPunchService } from './punch.service';

const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PUNCHES = 3000;
const KILLS = 6;
let dataDir: string;
let framesDir: string;
let hub: FakeHub;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-crash-'));
  framesDir = mkdtempSync(join(tmpdir(), 'kiosk-crash-frames-'));
  writeFileSync(join(framesDir, 'a.jpg'), 'x');
  hub = await startFakeHub();
  // Batches of 100 (a hub setting) so one run needs many round trips and kills land mid-drain.
  const settings = { ...TEST_SETTINGS, duplicateWindowSeconds: 0, batchSize: 100 };
  const seeded = await seedKiosk(dataDir, { hubUrl: hub.url, audience: hub.audience, settings });
  hub.devices.set(DEVICE_ID, {
    deviceId: DEVICE_ID,
    orgId: ORG_ID,
    kid: seeded.kid,
    publicJwk: seeded.publicJwk,
    isRevoked: false,
  });
  const clock = new ManualClock('2026-11-22T06:00:00Z');
  const punches = createPunchService({
    store: seeded.store,
    clock,
    monotonicMs: () => 0,
    runId: '019a0000-0000-7000-8000-0000000000f1',
    settings: () => settings,
  });
  for (let index = 0; index < PUNCHES; index += 1) {
    clock.advance(60_000);
    punches.recordPunch({
      employeeId: index % 2 ? BOB.id : ADA.id,
      method: 'pin',
      score: null,
      liveness: null,
      modelId: null,
    });
  }
  seeded.store.close();
  hub.eventsDelayMs = 30;
});

afterAll(async () => {
  await hub.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(framesDir, { recursive: true, force: true });
});

/** `node --import tsx` (one process, so SIGKILL kills the agent itself, not a wrapper). */
function startAgent(): ChildProcess {
  return spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/agent/cli.ts',
      'run',
      '--data-dir',
      dataDir,
      '--frames',
      framesDir,
      '--fps',
      '1',
    ],
    {
      cwd: appRoot,
      stdio: 'ignore',
    },
  );
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the agent');
    await new Promise((resolveWait) => setTimeout(resolveWait, 10));
  }
}

function storedCount(): number {
  return hub.stored.get(DEVICE_ID)?.length ?? 0;
}

describe('kill -9 during sync', () => {
  it(
    `delivers ${PUNCHES} punches exactly once after ${KILLS} SIGKILLs at random points`,
    { timeout: 240_000 },
    async () => {
      for (let kill = 0; kill < KILLS && storedCount() < PUNCHES; kill += 1) {
        const pushesBefore = hub.requests.filter((request) => request.path === '/api/sync/events').length;
        const agent = startAgent();
        const exited = new Promise((resolveExit) => agent.once('exit', resolveExit));
        // Wait until this run is pushing, then kill it somewhere inside the next batches.
        await waitFor(
          () => hub.requests.filter((request) => request.path === '/api/sync/events').length > pushesBefore,
          60_000,
        );
        await new Promise((resolveWait) => setTimeout(resolveWait, randomInt(0, 150)));
        agent.kill('SIGKILL');
        await exited;
      }
      expect(storedCount()).toBeLessThan(PUNCHES); // the kills really interrupted the drain

      const agent = startAgent();
      const exited = new Promise((resolveExit) => agent.once('exit', resolveExit));
      await waitFor(() => storedCount() >= PUNCHES, 180_000);
      // Let the last ack land, then stop gracefully.
      await waitFor(() => hub.heartbeats.some((heartbeat) => heartbeat.queueDepth === 0), 60_000);
      agent.kill('SIGTERM');
      await exited;

      const stored = hub.stored.get(DEVICE_ID)!;
      expect(stored).toHaveLength(PUNCHES);
      expect(new Set(stored.map((event) => event.id)).size).toBe(PUNCHES);
      expect(stored.map((event) => event.seq)).toEqual(
        Array.from({ length: PUNCHES }, (_, index) => index + 1),
      );
      expect(verifyChain(stored, { deviceId: DEVICE_ID, head: genesisHead(DEVICE_ID) }).isIntact).toBe(true);
      const store = openAgentStore(storeConfig(dataDir));
      expect(countPunchesByStatus(store.db)).toMatchObject({ pending: 0, synced: PUNCHES });
      store.close();
    },
  );
});
