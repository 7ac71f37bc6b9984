/**
 * Sync with the real hub, end to end: the hub process on a real database (PGlite under a temp
 * DATA_DIR, or a fresh database on DATABASE_URL), kiosks provisioned through `kiosk-agent provision`,
 * and the real agent process (`kiosk-agent run`) doing the sync. What reached the hub is read from
 * the hub's own database (attendance_events) after it stopped.
 *
 * Punches are recorded through the agent's own punch service in this process (with
 * synchronous=NORMAL: these tests prove delivery, not the fsync, and 2,000 fsyncs would take most
 * of a minute on the shared 2-core machine).
 *
 *   KIOSK_OFFLINE_PUNCHES   punches recorded while the hub is down (default 2,000; the 10,000)
 *   KIOSK_CRASH_PUNCHES     punches drained under kills (default 3,000)
 *   KIOSK_AGENT_KILLS       SIGKILLs of the agent during the drain (default 10)
 *   KIOSK_HUB_KILLS         SIGKILLs of the hub during the drain (default 2)
 *   KIOSK_FLAKY_PUNCHES     punches sent through the flaky proxy (default 1,000)
 *   KIOSK_FLAKY_SEED        the proxy's random seed (default: random, printed)
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENTS_PER_BATCH, SYNC_PATHS, ZBatchAck, type TBatchAck } from '@clockface/contracts/sync';
import { ManualClock } from '@clockface/core';
import {
  countPunchesByStatus,
  findDevicePrivateKey,
  listPendingPunches,
  updateClockOffset,
  type DeviceIdentity,
} from '@clockface/db-kiosk';
import { createEventBatch, genesisHead, mintDeviceToken } from '@clockface/sync-protocol';
import type { ChildProcess } from 'node:child_process';
import { openAgentStore, requireDataKey, requireIdentity } from '../src/agent/db';
import { toPunchEvent } from '../src/agent/outbox';
import { createPunchService } from '../src/agent/punch.service';
import { loadSettings } from '../src/agent/status';
import {
  createEnrollmentToken,
  createOrg,
  createRealHub,
  getDevice,
  runAgentCli,
  startAgentProcess,
  waitFor,
  type HubEvent,
  type HubOrg,
  type RealHub,
} from './helpers/real-hub';
import { startFlakyProxy } from './helpers/flaky-proxy';

const OFFLINE_PUNCHES = Number(process.env.KIOSK_OFFLINE_PUNCHES ?? 2000);
const CRASH_PUNCHES = Number(process.env.KIOSK_CRASH_PUNCHES ?? 3000);
const AGENT_KILLS = Number(process.env.KIOSK_AGENT_KILLS ?? 10);
const HUB_KILLS = Number(process.env.KIOSK_HUB_KILLS ?? 2);
const FLAKY_PUNCHES = Number(process.env.KIOSK_FLAKY_PUNCHES ?? 1000);
const FLAKY_SEED = Number(process.env.KIOSK_FLAKY_SEED ?? randomInt(1, 1_000_000));

let hub: RealHub;
let org: HubOrg;
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-sync-'));
const frames = mkdtempSync(join(scratch, 'frames-'));
writeFileSync(join(frames, 'a.jpg'), 'x');
const agents = new Set<ChildProcess>();

const storeConfig = (dir: string) => ({
  dbFile: join(scratch, dir, 'kiosk.db'),
  keyFile: join(scratch, dir, 'keys', 'data.key'),
});

beforeAll(async () => {
  hub = await createRealHub();
  await hub.start();
  org = await createOrg(hub);
}, 180_000);

afterAll(async () => {
  for (const agent of agents) agent.kill('SIGKILL');
  await hub?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

async function provisionKiosk(dir: string, hubUrl = hub.url): Promise<string> {
  const { token } = await createEnrollmentToken(hub, org);
  const result = await runAgentCli([
    'provision',
    '--data-dir',
    join(scratch, dir),
    '--hub',
    hubUrl,
    '--token',
    token,
    '--name',
    dir,
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const store = openAgentStore(storeConfig(dir));
  const { deviceId } = requireIdentity(store);
  store.close();
  return deviceId;
}

/** Records punches through the agent's punch service (alternating employees, 10 ms apart). */
function recordPunches(dir: string, count: number): string[] {
  const store = openAgentStore(storeConfig(dir));
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
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      clock.advance(10);
      const outcome = punches.recordPunch({
        employeeId: org.employees[index % org.employees.length]!.id,
        method: 'pin',
        score: null,
        liveness: null,
        modelId: null,
      });
      if (outcome.status !== 'recorded') throw new Error(`not recorded: ${outcome.message}`);
      ids.push(outcome.punch.id);
    }
    return ids;
  } finally {
    store.close();
  }
}

function startAgent(dir: string, env: Record<string, string> = {}) {
  const agent = startAgentProcess(join(scratch, dir), frames, env);
  agents.add(agent);
  let output = '';
  agent.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  agent.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-10_000)));
  const exited = new Promise<void>((resolveExit) =>
    agent.once('exit', () => {
      agents.delete(agent);
      resolveExit();
    }),
  );
  return {
    output: () => output,
    async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
      if (agent.exitCode === null && agent.signalCode === null) agent.kill(signal);
      await exited;
    },
  };
}

async function lastSeqOnHub(deviceId: string): Promise<number> {
  try {
    return (await getDevice(hub, org, deviceId)).lastSeq as number;
  } catch (error) {
    throw new Error(`The hub did not answer (${(error as Error).message}); its output:\n${hub.output()}`, {
      cause: error,
    });
  }
}

/** Every id exactly once, seq 1..n, each row linked to the one before: nothing lost, doubled or reordered. */
function expectExactlyOnceInOrder(events: HubEvent[], ids: string[], deviceId: string) {
  expect(events).toHaveLength(ids.length);
  expect(new Set(events.map((event) => event.id)).size).toBe(ids.length);
  expect(events.map((event) => event.id)).toEqual(ids);
  expect(events.map((event) => event.seq)).toEqual(ids.map((_, index) => index + 1));
  let previous = genesisHead(deviceId).hash;
  for (const event of events) {
    expect(event.prevHash).toBe(previous);
    previous = event.hash;
  }
}

function expectOutboxDrained(dir: string, count: number) {
  const store = openAgentStore(storeConfig(dir));
  try {
    expect(countPunchesByStatus(store.db)).toMatchObject({
      pending: 0,
      synced: count,
      rejected: 0,
      conflict: 0,
    });
  } finally {
    store.close();
  }
}

describe('sync with the real hub', () => {
  it(
    `offline: ${OFFLINE_PUNCHES} punches recorded while the hub is down all arrive exactly once, in order`,
    { timeout: 600_000 },
    async () => {
      const deviceId = await provisionKiosk('offline');
      await hub.stop();
      const agent = startAgent('offline');
      const recordStart = performance.now();
      const ids = recordPunches('offline', OFFLINE_PUNCHES);
      const recordMs = performance.now() - recordStart;
      await waitFor(
        () => /sync retry: Hub unreachable/.test(agent.output()),
        60_000,
        'the agent to find the hub down',
      );

      const backAt = performance.now();
      await hub.start();
      const upMs = performance.now() - backAt;
      let firstArrivalMs: number | undefined;
      await waitFor(
        async () => {
          const lastSeq = await lastSeqOnHub(deviceId);
          if (lastSeq > 0) firstArrivalMs ??= performance.now() - backAt;
          return lastSeq === OFFLINE_PUNCHES;
        },
        300_000,
        'all punches on the hub',
      );
      const drainMs = performance.now() - backAt;
      await waitFor(
        async () => (await getDevice(hub, org, deviceId)).queueDepth === 0,
        60_000,
        'a heartbeat with an empty queue',
      );
      await agent.stop();
      await hub.stop();
      expectExactlyOnceInOrder(await hub.readEvents(deviceId), ids, deviceId);
      expectOutboxDrained('offline', OFFLINE_PUNCHES);
      await hub.start();
      console.log(
        `offline: ${OFFLINE_PUNCHES} punches recorded in ${Math.round(recordMs)} ms; all on the hub ${(drainMs / 1000).toFixed(1)} s after it was started again: ${(upMs / 1000).toFixed(1)} s hub start-up, the first batch at ${(firstArrivalMs! / 1000).toFixed(1)} s (the agent's backoff), the drain ${((drainMs - firstArrivalMs!) / 1000).toFixed(1)} s`,
      );
    },
  );

  it(
    `crash: ${AGENT_KILLS} kill -9 of the agent and ${HUB_KILLS} of the hub during a drain of ${CRASH_PUNCHES} punches; every punch exactly once`,
    { timeout: 600_000 },
    async () => {
      const deviceId = await provisionKiosk('crash');
      const ids = recordPunches('crash', CRASH_PUNCHES);
      // Batches of 25, so the drain takes many round trips and the kills land inside it.
      const env = { KIOSK_SYNC_BATCH_SIZE: '25' };
      const hubKillAt = new Set(
        Array.from({ length: HUB_KILLS }, (_, index) =>
          Math.floor(((index + 1) * AGENT_KILLS) / (HUB_KILLS + 1)),
        ),
      );
      let agentKills = 0;
      let hubKills = 0;
      const progress: number[] = [];
      for (let round = 0; round < AGENT_KILLS; round += 1) {
        const before = await lastSeqOnHub(deviceId);
        expect(before).toBeLessThan(CRASH_PUNCHES); // still draining: the kill lands during a sync
        // The kill point is a random amount of progress within this round's share of what is left
        // (the final run gets a share too), not a random delay: how far a delay gets depends on how
        // fast the machine is, and a fast drain would finish before the last kill.
        const share = Math.floor((CRASH_PUNCHES - before) / (AGENT_KILLS - round + 1));
        const killAt = before + randomInt(1, Math.max(2, share));
        // Progress is polled every 5 ms: a kill lands within a batch or two of its point.
        const seqReaches = (seq: number, what: string) =>
          waitFor(async () => (await lastSeqOnHub(deviceId)) >= seq, 120_000, what, 5);
        const agent = startAgent('crash', env);
        if (hubKillAt.has(round)) {
          // The hub dies mid-drain (kill -9), comes back on the same port; the agent keeps running.
          await seqReaches(before + randomInt(1, Math.max(2, killAt - before)), 'the agent to push');
          await hub.stop('SIGKILL');
          hubKills += 1;
          await new Promise((resolveWait) => setTimeout(resolveWait, 1000));
          await hub.start();
          const afterHubKill = await lastSeqOnHub(deviceId);
          await seqReaches(afterHubKill + 1, 'the agent to resume after the hub came back');
        }
        await seqReaches(killAt, `seq ${killAt} on the hub`);
        await agent.stop('SIGKILL');
        agentKills += 1;
        progress.push(await lastSeqOnHub(deviceId));
      }
      expect(agentKills).toBe(AGENT_KILLS);
      expect(hubKills).toBe(HUB_KILLS);
      expect(progress.at(-1)).toBeLessThan(CRASH_PUNCHES);

      // The last run drains the rest with the hub's batch size (500).
      const finalStart = performance.now();
      const agent = startAgent('crash');
      await waitFor(async () => (await lastSeqOnHub(deviceId)) === CRASH_PUNCHES, 300_000, 'the full drain');
      const finalMs = performance.now() - finalStart;
      await waitFor(
        async () => (await getDevice(hub, org, deviceId)).queueDepth === 0,
        60_000,
        'a heartbeat with an empty queue',
      );
      await agent.stop();
      const device = await getDevice(hub, org, deviceId);
      await hub.stop();
      expectExactlyOnceInOrder(await hub.readEvents(deviceId), ids, deviceId);
      expectOutboxDrained('crash', CRASH_PUNCHES);
      await hub.start();
      console.log(
        `crash: ${agentKills} agent kills, ${hubKills} hub kills; hub lastSeq after each agent kill: ${progress.join(', ')}; the last run drained the other ${CRASH_PUNCHES - progress.at(-1)!} in ${(finalMs / 1000).toFixed(1)} s (agent start-up included); device flagged: ${String(device.isFlaggedForReview)} ${String(device.flagReason ?? '')}`,
      );
    },
  );

  it('flaky network: through a proxy that refuses, delays and cuts connections, every punch arrives exactly once', async () => {
    const target = new URL(hub.url);
    const proxy = await startFlakyProxy({
      target: { host: target.hostname, port: Number(target.port) },
      refuseRate: 0.1,
      cutRate: 0.15,
      maxDelayMs: 50,
      seed: FLAKY_SEED,
    });
    try {
      proxy.setEnabled(false);
      const deviceId = await provisionKiosk('flaky', proxy.url);
      const ids = recordPunches('flaky', FLAKY_PUNCHES);
      proxy.setEnabled(true);
      const started = performance.now();
      const agent = startAgent('flaky', { KIOSK_SYNC_BATCH_SIZE: '50' });
      await waitFor(async () => (await lastSeqOnHub(deviceId)) === FLAKY_PUNCHES, 300_000, 'the drain');
      const drainMs = performance.now() - started;
      await waitFor(
        async () => (await getDevice(hub, org, deviceId)).queueDepth === 0,
        120_000,
        'a heartbeat with an empty queue',
      );
      await agent.stop();
      // About 50 chunks at 15 %: no cut at all would be a 1-in-3,000 seed, and proves nothing.
      expect(proxy.stats.cut).toBeGreaterThan(0);
      await hub.stop();
      expectExactlyOnceInOrder(await hub.readEvents(deviceId), ids, deviceId);
      expectOutboxDrained('flaky', FLAKY_PUNCHES);
      await hub.start();
      console.log(
        `flaky (seed ${FLAKY_SEED}): ${FLAKY_PUNCHES} punches in ${(drainMs / 1000).toFixed(1)} s through ${proxy.stats.connections} connections, ${proxy.stats.refused} refused, ${proxy.stats.cut} cut`,
      );
    } finally {
      await proxy.close();
    }
  }, 420_000);

  it('clock skew: a kiosk clock 10 min behind gets CLOCK_SKEW, measures the offset from Date and syncs', async () => {
    const deviceId = await provisionKiosk('skew');
    const ids = recordPunches('skew', 3);
    const store = openAgentStore(storeConfig('skew'));
    updateClockOffset(store.db, { clockOffsetMs: -10 * 60_000 });
    store.close();
    const agent = startAgent('skew');
    await waitFor(async () => (await lastSeqOnHub(deviceId)) === 3, 60_000, 'the punches on the hub');
    await agent.stop();
    const after = openAgentStore(storeConfig('skew'));
    try {
      expect(Math.abs(requireIdentity(after).clockOffsetMs)).toBeLessThan(5_000);
    } finally {
      after.close();
    }
    await hub.stop();
    expectExactlyOnceInOrder(await hub.readEvents(deviceId), ids, deviceId);
    await hub.start();
  }, 120_000);

  it('replay: the same signed batch 3 times, then batches out of order, leave each punch on the hub exactly once', async () => {
    const deviceId = await provisionKiosk('replay');
    const ids = recordPunches('replay', 60);
    const store = openAgentStore(storeConfig('replay'));
    let identity: DeviceIdentity;
    const send = async (fromSeq: number, toSeq: number): Promise<TBatchAck> => {
      const rows = listPendingPunches(store.db, { limit: MAX_EVENTS_PER_BATCH }).filter(
        (row) => row.seq >= fromSeq && row.seq <= toSeq,
      );
      const privateKey = findDevicePrivateKey(identity, requireDataKey(store).key)!;
      const batch = createEventBatch({
        deviceId,
        kid: identity.kid,
        privateKey,
        events: rows.map(toPunchEvent),
      });
      const url = new URL(SYNC_PATHS.events, identity.hubUrl);
      const token = await mintDeviceToken({
        privateKey,
        deviceId,
        kid: identity.kid,
        audience: identity.audience,
        method: 'POST',
        url,
        clock: { now: () => new Date() },
        clockOffsetMs: identity.clockOffsetMs,
      });
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(30_000),
      });
      expect(response.status).toBe(200);
      return ZBatchAck.parse(await response.json());
    };
    const statuses = (ack: TBatchAck) => [...new Set(ack.results.map((result) => result.status))];
    try {
      identity = requireIdentity(store);
      // The same batch (seq 1–20) three times: accepted once, then duplicate.
      expect(statuses(await send(1, 20))).toEqual(['accepted']);
      expect(statuses(await send(1, 20))).toEqual(['duplicate']);
      expect(statuses(await send(1, 20))).toEqual(['duplicate']);
      // Out of order: 41–60 before 21–40, then everything again.
      const later = await send(41, 60);
      expect(later.results).toHaveLength(20);
      expect(statuses(later)).toEqual(['accepted']);
      expect(statuses(await send(21, 40))).toEqual(['accepted']);
      const again = await send(1, 60);
      expect(statuses(again)).toEqual(['duplicate']);
      expect(again.head?.seq).toBe(60);
    } finally {
      store.close();
    }
    // The agent itself then sends its whole outbox (never acked locally): all duplicates, all settled.
    const agent = startAgent('replay');
    await waitFor(
      async () => (await getDevice(hub, org, deviceId)).queueDepth === 0,
      60_000,
      'the agent to settle',
    );
    await agent.stop();
    expect(await lastSeqOnHub(deviceId)).toBe(60);
    await hub.stop();
    expectExactlyOnceInOrder(await hub.readEvents(deviceId), ids, deviceId);
    expectOutboxDrained('replay', 60);
    await hub.start();
  }, 180_000);
});
