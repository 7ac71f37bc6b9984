import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@clockface/core';
import { countEmployees, countPunchesByStatus, countTemplates } from '@clockface/db-kiosk';
import { ADA, BOB, TEST_SETTINGS, seedKiosk, storeConfig } from '../../test/helpers/seed-kiosk';
import { openAgentStore, type AgentStore } from './db';
import type { Frame } from './frame-sources';
import { createReplayFrameSource } from './frame-sources';
import { getAgentStatus, handleDeviceRevoked, runAgent } from './index';
import { createPunchService } from './punch.service';
import type { RecognitionResult, Recognizer } from './recognizer';
import { applyRosterDelta } from './roster-sync';

let dataDir: string;
let store: AgentStore;

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-agent-'));
  ({ store } = await seedKiosk(dataDir));
});

afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Stands in for packages/face (built in parallel) behind the agent's own Recognizer seam: each
 * frame's file content names the employee it "shows". Holds a Float32Array like the real matcher.
 */
function scriptedRecognizer(): Recognizer & { matrix: Float32Array } {
  const matrix = new Float32Array(8).fill(0.5);
  return {
    modelId: 'test-model@1',
    matrix,
    async recognize(frame: Frame): Promise<RecognitionResult> {
      const name = frame.data.toString();
      const employeeId = name === 'ada' ? ADA.id : name === 'bob' ? BOB.id : null;
      return { employeeId, score: employeeId ? 0.82 : 0.1, liveness: 0.97, modelId: 'test-model@1' };
    },
    wipe() {
      matrix.fill(0);
    },
  };
}

function frames(names: string[]): string {
  const directory = mkdtempSync(join(dataDir, 'frames-'));
  names.forEach((name, index) =>
    writeFileSync(join(directory, `${String(index).padStart(3, '0')}.jpg`), name),
  );
  return directory;
}

describe('runAgent', () => {
  it('turns 3 consecutive frames of one person into one punch and answers later ones as duplicates', async () => {
    const directory = frames(['none', 'ada', 'ada', 'bob', 'ada', 'ada', 'ada', 'ada', 'ada', 'ada', 'none']);
    const events: string[] = [];
    const summary = await runAgent({
      store,
      frameSource: createReplayFrameSource({ directory, fps: 200, loop: false }),
      recognizer: scriptedRecognizer(),
      onEvent: (event) => {
        if (event.type === 'punch') events.push(event.outcome.message);
      },
    });
    expect(summary).toMatchObject({ frames: 11, proposals: 2, recorded: 1, duplicates: 1, errors: 0 });
    expect(events[0]).toMatch(/^Ada: clocked in at \d\d:\d\d$/);
    expect(events[1]).toMatch(/^Ada: already clocked in at/);
    expect(countPunchesByStatus(store.db).pending).toBe(1);
  });

  it('reads frames without a recognizer (face pipeline not wired) and stops at maxFrames', async () => {
    const summary = await runAgent({
      store,
      frameSource: createReplayFrameSource({ directory: frames(['a', 'b']), fps: 200 }),
      maxFrames: 5,
    });
    expect(summary).toMatchObject({ frames: 5, recorded: 0 });
  });
});

describe('revocation and key loss', () => {
  it('revocation wipes roster, PINs and templates, shreds the key and zeroes the matcher; punches stay (DEV-04, BIO-09)', async () => {
    const clock = new ManualClock('2026-11-22T09:00:00Z');
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
      clock,
    );
    const punches = createPunchService({
      store,
      clock,
      monotonicMs: () => 0,
      runId: '019a0000-0000-7000-8000-0000000000f1',
      settings: () => TEST_SETTINGS,
    });
    await punches.punchWithPin({ code: ADA.code, pin: ADA.pin });
    const recognizer = scriptedRecognizer();

    handleDeviceRevoked(store, { clock, recognizer });

    expect(countTemplates(store.db) + countEmployees(store.db)).toBe(0);
    expect(existsSync(storeConfig(dataDir).keyFile)).toBe(false);
    expect(recognizer.matrix.every((value) => value === 0)).toBe(true);
    expect(countPunchesByStatus(store.db).pending).toBe(1);
    const status = getAgentStatus(store, { dataDir, appVersion: 'test' });
    expect(status.provisioning.status).toBe('revoked');
    expect(status.dataKey.status).toBe('reprovision_required');
    await expect(punches.punchWithPin({ code: ADA.code, pin: ADA.pin })).rejects.toMatchObject({
      code: 'DEVICE_REVOKED',
    });
  });

  it('a lost key file means "re-provision" in status, not a crash; PIN punches still work', async () => {
    store.close();
    rmSync(storeConfig(dataDir).keyFile);
    store = openAgentStore(storeConfig(dataDir));
    const status = getAgentStatus(store, { dataDir, appVersion: 'test' });
    expect(status.dataKey).toMatchObject({ status: 'reprovision_required', reason: 'missing' });
    const punches = createPunchService({
      store,
      clock: new ManualClock('2026-11-22T09:00:00Z'),
      monotonicMs: () => 0,
      runId: '019a0000-0000-7000-8000-0000000000f1',
      settings: () => TEST_SETTINGS,
    });
    expect((await punches.punchWithPin({ code: BOB.code, pin: BOB.pin })).status).toBe('recorded');
  });

  it('a wrong key file is reported as wrong', () => {
    store.close();
    writeFileSync(storeConfig(dataDir).keyFile, `${Buffer.alloc(32, 7).toString('base64')}\n`);
    store = openAgentStore(storeConfig(dataDir));
    expect(store.keyState).toMatchObject({ status: 'reprovision', reason: 'wrong' });
  });
});
