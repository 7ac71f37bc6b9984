/**
 * The org's attack check on the kiosk, through the agent's real decision path (runAgent → frame
 * decider → punch service → SQLite outbox):
 * - synthetic landmark sequences (eye openness, yaw, face box per frame) stand in for the camera,
 *   so a blink, a head turn, a still photo and a face swap are exact;
 * - then the real face engine on the committed fixtures: a still photo held up to the camera is
 *   prompted "Blink, please" and never punches in block mode, and punches in warn and off mode.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TKioskSettings } from '@clockface/contracts/sync';
import { ManualClock } from '@clockface/core';
import {
  countPunchesByStatus,
  listPendingPunches,
  listSecurityEvents,
  saveKioskSettings,
} from '@clockface/db-kiosk';
import { FaceEngine, type FrameObservation } from '@clockface/face';
import { ADA, BOB, TEST_SETTINGS, seedKiosk } from '../../test/helpers/seed-kiosk';
import type { AgentStore } from '../agent/db';
import { createReplayFrameSource, type Frame } from '../agent/frame-sources';
import { runAgent, type AgentEvent } from '../agent/index';
import { BLINK_PROMPT_MESSAGE } from '../agent/punch.service';
import type { RecognitionResult, Recognizer } from '../agent/recognizer';
import { applyRosterDelta } from '../agent/roster-sync';
import { createFaceRecognizer } from './face-recognizer';

const stores: { store: AgentStore; dataDir: string }[] = [];

async function kioskWith(padMode: TKioskSettings['padMode'], settings: TKioskSettings = TEST_SETTINGS) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-attack-'));
  const { store } = await seedKiosk(dataDir, { settings: { ...settings, padMode } });
  saveKioskSettings(store.db, { settings: { ...settings, padMode }, at: new Date() });
  stores.push({ store, dataDir });
  return { store, dataDir };
}

afterEach(() => {
  for (const { store, dataDir } of stores.splice(0)) {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** One synthetic camera frame: who the matcher saw (null = a face it could not identify) and the landmarks' reading. */
interface SyntheticFrame {
  who: 'ada' | 'bob' | null;
  /** Eye aspect ratio: ~0.3 open, ~0.1 closed. */
  ear?: number;
  yaw?: number;
  /** Face box left edge (px): a jump is a different face. */
  x?: number;
  passive?: number;
}

const OPEN: SyntheticFrame = { who: 'ada', ear: 0.3 };
const CLOSED: SyntheticFrame = { who: null, ear: 0.08 };

/** Frames are files whose content is the synthetic reading; the recognizer reads it back. */
function writeFrames(dataDir: string, sequence: SyntheticFrame[]): string {
  const directory = mkdtempSync(join(dataDir, 'frames-'));
  sequence.forEach((frame, index) =>
    writeFileSync(join(directory, `${String(index).padStart(3, '0')}.jpg`), JSON.stringify(frame)),
  );
  return directory;
}

/** Stands in for the face engine behind the agent's Recognizer seam, with the engine's observation shape. */
const syntheticRecognizer: Recognizer = {
  modelId: 'test-model@1',
  async recognize(frame: Frame): Promise<RecognitionResult> {
    const reading = JSON.parse(frame.data.toString()) as SyntheticFrame;
    const passive = reading.passive ?? 0.95;
    const observation: FrameObservation = {
      box: { x: reading.x ?? 200, y: 120, width: 200, height: 240 },
      pose: { yaw: reading.yaw ?? 0, pitch: 0, roll: 0 },
      ...(reading.ear === undefined ? {} : { eyeAspect: reading.ear }),
      passive,
    };
    const employeeId = reading.who === 'ada' ? ADA.id : reading.who === 'bob' ? BOB.id : null;
    return {
      employeeId,
      score: employeeId ? 0.82 : 0,
      liveness: passive,
      modelId: 'test-model@1',
      observation,
    };
  },
  wipe() {},
};

async function run(
  store: AgentStore,
  dataDir: string,
  sequence: SyntheticFrame[],
  recognizer = syntheticRecognizer,
) {
  const events: AgentEvent[] = [];
  const summary = await runAgent({
    store,
    frameSource: createReplayFrameSource({
      directory: writeFrames(dataDir, sequence),
      fps: 500,
      loop: false,
    }),
    recognizer,
    onEvent: (event) => {
      if (event.type !== 'frame') events.push(event);
    },
  });
  const prompts = events.flatMap((event) =>
    event.type === 'prompt' ? [event.prompt ? event.prompt.message : null] : [],
  );
  const punches = events.flatMap((event) => (event.type === 'punch' ? [event.outcome] : []));
  return { summary, prompts, punches };
}

describe('block: a blink or a head turn before a face punch', () => {
  it('a still face is asked to blink and punches only once it has', async () => {
    const { store, dataDir } = await kioskWith('block');
    const { summary, prompts, punches } = await run(store, dataDir, [
      OPEN,
      OPEN,
      OPEN, // three frames of Ada: matched, but no blink yet → "Blink, please"
      OPEN,
      CLOSED, // the blink: eyes shut fail the quality gate, so no identity, same face track
      CLOSED,
      OPEN, // eyes open again and Ada again: the check passes
      { who: null }, // she walks away
    ]);
    expect(prompts).toEqual([BLINK_PROMPT_MESSAGE, null]);
    expect(summary).toMatchObject({ recorded: 1, errors: 0 });
    expect(punches[0]).toMatchObject({ status: 'recorded', employeeName: 'Ada' });
    expect(punches[0]!.status === 'recorded' && punches[0]!.isLivenessFlagged).toBeFalsy();
  });

  it('a printed photo (open eyes, never moving) is prompted and never punches', async () => {
    const { store, dataDir } = await kioskWith('block');
    const { summary, prompts } = await run(
      store,
      dataDir,
      Array.from({ length: 60 }, () => OPEN),
    );
    expect(prompts).toEqual([BLINK_PROMPT_MESSAGE]);
    expect(summary.recorded).toBe(0);
    expect(countPunchesByStatus(store.db).pending).toBe(0);
  });

  it('a small head turn passes too', async () => {
    const { store, dataDir } = await kioskWith('block');
    const { summary } = await run(
      store,
      dataDir,
      [0, 2, 5, 9, 14].map((yaw) => ({ ...OPEN, yaw })),
    );
    expect(summary.recorded).toBe(1);
  });

  it('a blink by a face that replaced the first one (the box jumps) does not count', async () => {
    const { store, dataDir } = await kioskWith('block');
    const { summary, prompts } = await run(store, dataDir, [
      OPEN,
      OPEN,
      OPEN,
      { ...CLOSED, x: 520 }, // a different face elsewhere in the frame "blinks"
      { ...OPEN, x: 520 },
      { ...OPEN, x: 520 },
    ]);
    expect(summary.recorded).toBe(0);
    expect(prompts[0]).toBe(BLINK_PROMPT_MESSAGE);
  });

  it('a low passive score blocks even with a blink (a replayed video can blink)', async () => {
    const { store, dataDir } = await kioskWith('block');
    const low = (frame: SyntheticFrame) => ({ ...frame, passive: 0.2 });
    const { summary } = await run(store, dataDir, [OPEN, OPEN, OPEN, CLOSED, OPEN, OPEN].map(low));
    expect(summary.recorded).toBe(0);
  });

  it('another person in front of the camera resets the prompt', async () => {
    const { store, dataDir } = await kioskWith('block');
    const { prompts, summary } = await run(store, dataDir, [
      OPEN,
      OPEN,
      OPEN,
      { who: 'bob', ear: 0.3 },
      { who: 'bob', ear: 0.3 },
    ]);
    expect(prompts).toEqual([BLINK_PROMPT_MESSAGE, null]);
    expect(summary.recorded).toBe(0);
  });
});

describe('warn and off', () => {
  it('warn records the punch and flags a doubtful check as a liveness_warning naming the punch', async () => {
    const { store, dataDir } = await kioskWith('warn');
    const { punches, prompts } = await run(store, dataDir, [
      { ...OPEN, passive: 0.3 },
      { ...OPEN, passive: 0.3 },
      { ...OPEN, passive: 0.3 },
    ]);
    expect(prompts).toEqual([]);
    expect(punches).toHaveLength(1);
    const outcome = punches[0]!;
    expect(outcome).toMatchObject({ status: 'recorded', isLivenessFlagged: true });
    const [punch] = listPendingPunches(store.db, { limit: 10 });
    expect(punch).toMatchObject({ method: 'face', liveness: 0.3 });
    const warnings = listSecurityEvents(store.db, { kind: 'liveness_warning' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ employeeId: ADA.id });
    expect(JSON.parse(warnings[0]!.details!)).toMatchObject({
      punchId: punch!.id,
      verdict: 'suspect',
      passive: 0.3,
      blink: false,
    });
  });

  it('warn with a good passive score records the punch unflagged, without asking to blink', async () => {
    const { store, dataDir } = await kioskWith('warn');
    const { punches, prompts } = await run(store, dataDir, [OPEN, OPEN, OPEN]);
    expect(prompts).toEqual([]);
    expect(punches[0]).toMatchObject({ status: 'recorded' });
    expect(punches[0]!.status === 'recorded' && punches[0]!.isLivenessFlagged).toBeFalsy();
    expect(listSecurityEvents(store.db, { kind: 'liveness_warning' })).toEqual([]);
  });

  it('off skips the check: even a low score punches without a flag', async () => {
    const { store, dataDir } = await kioskWith('off');
    const { punches } = await run(
      store,
      dataDir,
      [0, 1, 2].map(() => ({ ...OPEN, passive: 0.1 })),
    );
    expect(punches[0]).toMatchObject({ status: 'recorded' });
    expect(listSecurityEvents(store.db, { kind: 'liveness_warning' })).toEqual([]);
  });
});

describe('with the real face engine (committed fixtures)', () => {
  const FIXTURES = resolve(
    fileURLToPath(new URL('.', import.meta.url)),
    '../../../../packages/face/fixtures',
  );
  let engine: FaceEngine;

  beforeAll(async () => {
    engine = await FaceEngine.start();
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
  });

  /** A kiosk whose roster holds Ada's template from one photo, running the real recognizer. */
  async function enrolledKiosk(padMode: TKioskSettings['padMode']) {
    const settings: TKioskSettings = {
      ...TEST_SETTINGS,
      recognition: { modelId: engine.modelId, matchThreshold: 0.4, margin: 0.08, consecutiveFrames: 3 },
    };
    const kiosk = await kioskWith(padMode, settings);
    const vector = (await engine.analyze(readFileSync(join(FIXTURES, 'person-a-1.jpg')))).template!.vector;
    applyRosterDelta(
      kiosk.store,
      {
        cursor: 'c1',
        hasMore: false,
        serverTime: new Date().toISOString(),
        employees: [],
        pinHashes: [],
        templates: [
          {
            id: '019a0000-0000-7000-8000-00000000aa01',
            employeeId: ADA.id,
            modelId: engine.modelId,
            dimension: vector.length,
            version: 1,
            embedding: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64'),
          },
        ],
        tombstones: [],
      },
      new ManualClock(new Date().toISOString()),
    );
    // The engine is shared by the tests; only the gallery belongs to this kiosk.
    const recognizer = createFaceRecognizer({
      store: kiosk.store,
      engine,
      settings: () => ({ ...settings, padMode }),
    });
    return { ...kiosk, recognizer };
  }

  /** The same photo of Ada, frame after frame: what a printed photo held still looks like. */
  function stillPhotoFrames(dataDir: string, count: number): string {
    const directory = mkdtempSync(join(dataDir, 'photo-'));
    const photo = readFileSync(join(FIXTURES, 'person-a-5.jpg'));
    for (let index = 0; index < count; index += 1)
      writeFileSync(join(directory, `${String(index).padStart(3, '0')}.jpg`), photo);
    return directory;
  }

  async function runStill(padMode: TKioskSettings['padMode'], count: number) {
    const { store, dataDir, recognizer } = await enrolledKiosk(padMode);
    const prompts: (string | null)[] = [];
    const summary = await runAgent({
      store,
      frameSource: createReplayFrameSource({
        directory: stillPhotoFrames(dataDir, count),
        fps: 500,
        loop: false,
      }),
      recognizer,
      onEvent: (event) => {
        if (event.type === 'prompt') prompts.push(event.prompt?.message ?? null);
      },
    });
    return { summary, prompts, store };
  }

  it('the recognizer reports the landmarks the check needs', async () => {
    const { recognizer } = await enrolledKiosk('block');
    const result = await recognizer.recognize({
      index: 0,
      data: readFileSync(join(FIXTURES, 'person-a-5.jpg')),
      mimeType: 'image/jpeg',
      capturedAt: new Date(),
    });
    expect(result.employeeId).toBe(ADA.id);
    expect(result.observation).toMatchObject({
      box: expect.objectContaining({ width: expect.any(Number) }),
      pose: expect.objectContaining({ yaw: expect.any(Number) }),
    });
  }, 60_000);

  it('block: a still photo of an enrolled employee is asked to blink and never punches', async () => {
    const { summary, prompts, store } = await runStill('block', 8);
    expect(summary).toMatchObject({ frames: 8, recorded: 0, errors: 0 });
    expect(prompts).toEqual([BLINK_PROMPT_MESSAGE]);
    expect(countPunchesByStatus(store.db).pending).toBe(0);
  }, 60_000);

  it('warn and off: the same frames punch', async () => {
    for (const mode of ['warn', 'off'] as const) {
      const { summary, prompts } = await runStill(mode, 4);
      expect(summary, mode).toMatchObject({ recorded: 1, errors: 0 });
      expect(prompts).toEqual([]);
    }
  }, 60_000);
});
