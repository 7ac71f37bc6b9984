/**
 * The face recognizer with the real face engine and a real kiosk store (SQLite file, encrypted
 * templates applied through the agent's own roster path): it follows roster changes without a
 * restart and forgets everything on revocation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TKioskSettings } from '@clockface/contracts/sync';
import { ManualClock } from '@clockface/core';
import { FaceEngine } from '@clockface/face';
import { ADA, BOB, TEST_SETTINGS, seedKiosk } from '../../test/helpers/seed-kiosk';
import type { AgentStore } from '../agent/db';
import type { Frame } from '../agent/frame-sources';
import { applyRosterDelta } from '../agent/roster-sync';
import { handleDeviceRevoked } from '../agent/sync-loop';
import { createFaceRecognizer, embedderForModelId, type FaceRecognizer } from './face-recognizer';

const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../packages/face/fixtures');
const frame = (file: string, index = 0): Frame => ({
  index,
  data: readFileSync(join(FIXTURES, file)),
  mimeType: 'image/jpeg',
  capturedAt: new Date(),
});

let dataDir: string;
let store: AgentStore;
let engine: FaceEngine;
let recognizer: FaceRecognizer;
let settings: TKioskSettings;
const clock = new ManualClock('2026-11-22T08:00:00Z');
let deltaCount = 0;

async function templateOf(file: string): Promise<string> {
  const analysis = await engine.analyze(readFileSync(join(FIXTURES, file)));
  const vector = analysis.template!.vector;
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

function applyDelta(changes: { templates?: unknown[]; tombstones?: unknown[] }) {
  deltaCount += 1;
  return applyRosterDelta(
    store,
    {
      cursor: `test-${deltaCount}`,
      hasMore: false,
      serverTime: clock.now().toISOString(),
      employees: [],
      pinHashes: [],
      templates: changes.templates ?? [],
      tombstones: changes.tombstones ?? [],
    },
    clock,
  );
}

const ADA_TEMPLATE_IDS = ['019a0000-0000-7000-8000-00000000aa01', '019a0000-0000-7000-8000-00000000aa02'];

beforeAll(async () => {
  engine = await FaceEngine.start();
  settings = {
    ...TEST_SETTINGS,
    recognition: { modelId: engine.modelId, matchThreshold: 0.4, margin: 0.08, consecutiveFrames: 3 },
  };
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-recognizer-'));
  ({ store } = await seedKiosk(dataDir, { settings }));
  recognizer = createFaceRecognizer({ store, engine, settings: () => settings });
}, 120_000);

afterAll(async () => {
  await recognizer?.close();
  store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('face recognizer', () => {
  it('knows nobody before templates arrive', async () => {
    const result = await recognizer.recognize(frame('person-a-1.jpg'));
    expect(result).toMatchObject({ employeeId: null, modelId: engine.modelId });
    expect(recognizer.lastMatch).toMatchObject({ status: 'unknown', reason: 'empty-gallery' });
  });

  it('picks up templates from a roster delta and recognises the enrolled person, not the other one', async () => {
    applyDelta({
      templates: [
        {
          id: ADA_TEMPLATE_IDS[0],
          employeeId: ADA.id,
          modelId: engine.modelId,
          dimension: 512,
          version: 1,
          embedding: await templateOf('person-a-1.jpg'),
        },
        {
          id: ADA_TEMPLATE_IDS[1],
          employeeId: ADA.id,
          modelId: engine.modelId,
          dimension: 512,
          version: 1,
          embedding: await templateOf('person-a-9.jpg'),
        },
        // Another model's template is never compared (it would be noise, or worse, a false match).
        {
          id: '019a0000-0000-7000-8000-00000000bb01',
          employeeId: BOB.id,
          modelId: 'human-faceres-3.3.6',
          dimension: 512,
          version: 1,
          embedding: await templateOf('person-a-5.jpg'),
        },
      ],
    });
    const a = await recognizer.recognize(frame('person-a-5.jpg'));
    expect(a.employeeId).toBe(ADA.id);
    expect(a.score).toBeGreaterThanOrEqual(0.4);
    expect(a.liveness).toBeGreaterThan(0);
    expect(recognizer.templateCount).toBe(2);

    const b = await recognizer.recognize(frame('person-b-8.jpg'));
    expect(b.employeeId).toBeNull();
    expect(recognizer.lastMatch).toMatchObject({ status: 'unknown', reason: 'below-threshold' });
  }, 60_000);

  it('drops templates that arrive as tombstones (consent withdrawn) at the next frame', async () => {
    applyDelta({ tombstones: ADA_TEMPLATE_IDS.map((id) => ({ kind: 'template', id })) });
    const result = await recognizer.recognize(frame('person-a-5.jpg'));
    expect(result.employeeId).toBeNull();
    expect(recognizer.templateCount).toBe(0);
  }, 30_000);

  it('forgets everyone when the device is revoked', async () => {
    applyDelta({
      templates: [
        {
          id: ADA_TEMPLATE_IDS[0],
          employeeId: ADA.id,
          modelId: engine.modelId,
          dimension: 512,
          version: 1,
          embedding: await templateOf('person-a-1.jpg'),
        },
      ],
    });
    expect((await recognizer.recognize(frame('person-a-9.jpg'))).employeeId).toBe(ADA.id);
    handleDeviceRevoked(store, { clock, recognizer });
    expect(recognizer.templateCount).toBe(0);
    const after = await recognizer.recognize(frame('person-a-9.jpg'));
    expect(after.employeeId).toBeNull();
    expect(recognizer.templateCount).toBe(0);
  }, 30_000);

  it('runs the embedder the hub names', () => {
    expect(embedderForModelId('human-faceres-3.3.6')).toBe('faceres');
    expect(embedderForModelId('fr_feature-87aacdfe-flip')).toBe('fr_feature');
  });
});
