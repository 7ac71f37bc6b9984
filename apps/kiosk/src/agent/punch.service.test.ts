import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, ManualClock, type AppErrorCode } from '@clockface/core';
import { listPendingPunches, listSecurityEvents, openKioskDb } from '@clockface/db-kiosk';
import { genesisHead, verifyChain } from '@clockface/sync-protocol';
import type { TKioskSettings } from '@clockface/contracts/sync';
import { ADA, BOB, DEVICE_ID, TEST_SETTINGS, seedKiosk } from '../../test/helpers/seed-kiosk';
import type { AgentStore } from './db';
import { toPunchEvent } from './outbox';
import {
  MAX_OPEN_SHIFT_MS,
  PIN_LOCKOUT_MS,
  allowedNextPunchTypes,
  createFrameDecider,
  createPunchService,
  type RecentPunch,
} from './punch.service';

let dataDir: string;
let store: AgentStore;
let clock: ManualClock;
let monotonic: number;

function service(settings: TKioskSettings = TEST_SETTINGS, runId = '019a0000-0000-7000-8000-0000000000f1') {
  return createPunchService({ store, clock, monotonicMs: () => monotonic, runId, settings: () => settings });
}

async function expectCode(promise: Promise<unknown> | (() => unknown), code: AppErrorCode) {
  const run = typeof promise === 'function' ? Promise.resolve().then(promise) : promise;
  const error = await run.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-punch-'));
  ({ store } = await seedKiosk(dataDir));
  clock = new ManualClock('2026-11-22T08:59:00Z');
  monotonic = 10_000;
});

afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function advance(ms: number) {
  clock.advance(ms);
  monotonic += ms;
}

describe('next action', () => {
  it("follows the employee's punches, and a stale clock_in no longer counts as on shift", () => {
    const now = new Date('2026-11-22T09:00:00Z');
    const punch = (id: string, type: RecentPunch['type'], deviceTime: string): RecentPunch => ({
      id,
      type,
      deviceTime,
    });
    expect(allowedNextPunchTypes([], now)).toEqual(['clock_in']);
    const clockIn = punch('019a0000-0000-7000-8000-000000000001', 'clock_in', '2026-11-22T08:00:00.000Z');
    expect(allowedNextPunchTypes([clockIn], now)).toEqual(['clock_out', 'break_start']);
    const breakStart = punch(
      '019a0000-0000-7000-8000-000000000002',
      'break_start',
      '2026-11-22T08:30:00.000Z',
    );
    expect(allowedNextPunchTypes([clockIn, breakStart], now)).toEqual(['break_end', 'clock_out']);
    const stale = punch(
      '019a0000-0000-7000-8000-000000000003',
      'clock_in',
      new Date(now.getTime() - MAX_OPEN_SHIFT_MS - 60_000).toISOString(),
    );
    expect(allowedNextPunchTypes([stale], now)).toEqual(['clock_in']);
  });
});

describe('punch service', () => {
  it('records PIN punches alternating in/out, chained from genesis and committed before it returns', async () => {
    const punches = service();
    const first = await punches.punchWithPin({ code: ADA.code, pin: ADA.pin });
    expect(first).toMatchObject({ status: 'recorded', message: 'Ada: clocked in at 08:59' });
    advance(4 * 60 * 60_000);
    const second = await punches.punchWithPin({ code: ADA.code, pin: ADA.pin });
    expect(second).toMatchObject({ status: 'recorded', message: 'Ada: clocked out at 12:59' });
    const third = await punches.punchWithPin({ code: BOB.code, pin: BOB.pin });
    expect(third.status === 'recorded' && third.punch).toMatchObject({
      type: 'clock_in',
      method: 'pin',
      seq: 3,
      score: null,
    });

    // Committed: another connection to the same file sees all three rows, with the WAL not checkpointed.
    const reader = openKioskDb(join(dataDir, 'kiosk.db'));
    expect(listPendingPunches(reader.db, { limit: 10 })).toHaveLength(3);
    reader.close();

    const events = listPendingPunches(store.db, { limit: 10 }).map(toPunchEvent);
    const verification = verifyChain(events, { deviceId: DEVICE_ID, head: genesisHead(DEVICE_ID) });
    expect(verification.isIntact).toBe(true);
    expect(events.map((event) => event.id)).toEqual(
      [first, second, third].map((outcome) => (outcome.status === 'recorded' ? outcome.punch.id : '')),
    );
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
    for (const event of events) expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('suppresses a duplicate within the window with "already clocked in at 08:59"', async () => {
    const punches = service();
    await punches.punchWithPin({ code: ADA.code, pin: ADA.pin });
    advance(59_000);
    const again = await punches.punchWithPin({ code: ADA.code, pin: ADA.pin });
    expect(again).toMatchObject({ status: 'duplicate', message: 'Ada: already clocked in at 08:59' });
    // An explicit different action inside the window is a deliberate choice, not a duplicate.
    const breakStart = await punches.punchWithPin({ code: ADA.code, pin: ADA.pin, type: 'break_start' });
    expect(breakStart).toMatchObject({ status: 'recorded', message: 'Ada: started a break at 08:59' });
    advance(61_000);
    expect(await punches.punchWithPin({ code: ADA.code, pin: ADA.pin })).toMatchObject({
      status: 'recorded',
      message: 'Ada: ended a break at 09:01',
    });
    expect(listPendingPunches(store.db, { limit: 10 })).toHaveLength(3);
  });

  it('uses monotonic time within a run, so a wall-clock jump back does not defeat the window', async () => {
    const punches = service();
    await punches.punchWithPin({ code: ADA.code, pin: ADA.pin });
    clock.advance(-3_600_000);
    monotonic += 5_000;
    expect((await punches.punchWithPin({ code: ADA.code, pin: ADA.pin })).status).toBe('duplicate');
  });

  it('refuses an action that does not follow the last punch, with what was expected', async () => {
    const error = await expectCode(
      service().punchWithPin({ code: ADA.code, pin: ADA.pin, type: 'clock_out' }),
      'CONFLICT',
    );
    expect(error.message).toBe('Expected clock_in after no punch, got clock_out');
  });

  it('answers the same for an unknown number and a wrong PIN', async () => {
    const unknown = await expectCode(
      service().punchWithPin({ code: '9999', pin: '1' }),
      'INVALID_CREDENTIALS',
    );
    const wrong = await expectCode(
      service().punchWithPin({ code: ADA.code, pin: '0000' }),
      'INVALID_CREDENTIALS',
    );
    expect(unknown.message).toBe(wrong.message);
  });

  it('locks a PIN after 5 wrong tries for 15 min and queues a security event (DEV-08)', async () => {
    const punches = service();
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await expectCode(punches.punchWithPin({ code: ADA.code, pin: '0000' }), 'INVALID_CREDENTIALS');
    }
    const locked = await expectCode(punches.punchWithPin({ code: ADA.code, pin: '0000' }), 'PIN_LOCKED');
    expect(locked.retryAfterSeconds).toBe(900);
    await expectCode(punches.punchWithPin({ code: ADA.code, pin: ADA.pin }), 'PIN_LOCKED');
    expect(listSecurityEvents(store.db, { kind: 'pin_locked' })).toHaveLength(1);
    expect((await punches.punchWithPin({ code: BOB.code, pin: BOB.pin })).status).toBe('recorded');
    advance(PIN_LOCKOUT_MS + 1000);
    expect((await punches.punchWithPin({ code: ADA.code, pin: ADA.pin })).status).toBe('recorded');
    expect(listPendingPunches(store.db, { limit: 10 })).toHaveLength(2);
  });

  it('refuses a punch the hub would refuse (a face punch without evidence), so the outbox never jams', async () => {
    await expectCode(
      () =>
        service().recordPunch({
          employeeId: ADA.id,
          method: 'face',
          score: 0.9,
          liveness: null,
          modelId: 'test-model@1',
        }),
      'VALIDATION_FAILED',
    );
    await expectCode(
      () =>
        service().recordPunch({
          employeeId: ADA.id,
          method: 'face',
          score: 0.9,
          liveness: 0.9,
          modelId: 'bad model id',
        }),
      'VALIDATION_FAILED',
    );
    expect(listPendingPunches(store.db, { limit: 10 })).toHaveLength(0);
  });

  it('records face punches with rounded evidence', () => {
    const outcome = service().recordPunch({
      employeeId: ADA.id,
      method: 'face',
      score: 0.812345,
      liveness: 0.97,
      modelId: 'test-model@1',
    });
    expect(outcome.status === 'recorded' && outcome.punch).toMatchObject({
      score: 0.8123,
      liveness: 0.97,
      method: 'face',
    });
  });
});

describe('frame decider', () => {
  const match = (employeeId: string | null, score = 0.8, liveness = 0.9) => ({
    employeeId,
    score,
    liveness,
    modelId: 'test-model@1',
  });

  it('proposes after N consecutive frames of the same identity, and starts over after', () => {
    const decider = createFrameDecider(() => TEST_SETTINGS);
    expect(decider.push(match(ADA.id))).toBeUndefined();
    expect(decider.push(match(ADA.id))).toBeUndefined();
    expect(decider.push(match(ADA.id))).toMatchObject({ employeeId: ADA.id, isPadWarning: false });
    expect(decider.push(match(ADA.id))).toBeUndefined();
  });

  it('restarts the streak on another identity, no face, or a score under the threshold', () => {
    const decider = createFrameDecider(() => TEST_SETTINGS);
    for (const result of [
      match(ADA.id),
      match(ADA.id),
      match(BOB.id),
      match(ADA.id),
      null,
      match(ADA.id),
      match(ADA.id, 0.5),
    ]) {
      expect(decider.push(result)).toBeUndefined();
    }
  });

  it('applies PAD: block stops the punch, warn flags it', () => {
    const block = createFrameDecider(() => ({ ...TEST_SETTINGS, padMode: 'block' }));
    for (let index = 0; index < 5; index += 1) expect(block.push(match(ADA.id, 0.9, 0.1))).toBeUndefined();
    const warn = createFrameDecider(() => ({ ...TEST_SETTINGS, padMode: 'warn' }));
    warn.push(match(ADA.id, 0.9, 0.1));
    warn.push(match(ADA.id, 0.9, 0.1));
    expect(warn.push(match(ADA.id, 0.9, 0.1))).toMatchObject({ isPadWarning: true });
  });
});
