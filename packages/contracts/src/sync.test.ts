import { describe, expect, it } from 'vitest';
import {
  ZDeviceRegistration,
  ZEventBatch,
  ZHeartbeat,
  ZKioskSettings,
  ZPunchEvent,
  ZPunchType,
  parseEventBatch,
  parseRosterDelta,
  readPunchEventFast,
  type TPunchEvent,
} from './sync';

const HASH = 'a'.repeat(64);

function punch(overrides: Partial<TPunchEvent> = {}): TPunchEvent {
  return {
    id: '019a0000-0000-7000-8000-000000000001',
    deviceId: '019a0000-0000-7000-8000-0000000000d1',
    seq: 1,
    employeeId: '019a0000-0000-7000-8000-0000000000e1',
    type: 'clock_in',
    method: 'face',
    deviceTime: '2026-11-22T08:59:00.000Z',
    monotonicMs: 1234,
    runId: '019a0000-0000-7000-8000-0000000000f1',
    score: 0.8123,
    liveness: 0.99,
    modelId: 'arcface-r100@1',
    prevHash: HASH,
    hash: HASH,
    ...overrides,
  };
}

function embedding(values: number[]): string {
  const bytes = new Uint8Array(new Float32Array(values).buffer);
  return btoa(String.fromCharCode(...bytes));
}

describe('ZPunchEvent', () => {
  it('accepts a face punch with evidence and a pin punch without', () => {
    expect(ZPunchEvent.parse(punch())).toEqual(punch());
    expect(
      ZPunchEvent.safeParse(punch({ method: 'pin', score: null, liveness: null, modelId: null })).success,
    ).toBe(true);
  });

  it('rejects a face punch without score or liveness (BIO-06)', () => {
    expect(ZPunchEvent.safeParse(punch({ score: null })).success).toBe(false);
    expect(ZPunchEvent.safeParse(punch({ liveness: null })).success).toBe(false);
  });

  it('is strict: unknown keys such as a template or photo are refused (BIO-04)', () => {
    expect(ZPunchEvent.safeParse({ ...punch(), photo: 'AAAA' }).success).toBe(false);
  });

  it('refuses scores with more than 4 decimals, so hashes survive storage round trips', () => {
    expect(ZPunchEvent.safeParse(punch({ score: 0.81234 })).success).toBe(false);
  });
});

describe('readPunchEventFast', () => {
  const UUID = '019a0000-0000-7000-8000-0000000000aa';
  const WRONG: unknown[] = [
    undefined,
    null,
    true,
    '',
    0,
    -0,
    1,
    0.5,
    1.5,
    -1,
    2 ** 53,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    0.81234,
    1.0001,
    0.9999,
    'x',
    'A'.repeat(64),
    'a'.repeat(63),
    'g'.repeat(64),
    'ABCDEF'.repeat(10) + 'ABCD',
    UUID,
    UUID.toUpperCase(),
    '019a0000-0000-0000-8000-0000000000aa',
    '019a0000-0000-7000-c000-0000000000aa',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    `${UUID} `,
    '2026-11-22T08:59:00.000Z',
    '2026-11-22T08:59:00Z',
    '2026-11-22T08:59:00.000+01:00',
    '2026-11-22T08:59:00.000',
    '2026-02-29T00:00:00.000Z',
    '2024-02-29T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-11-22T24:00:00.000Z',
    'clock_in',
    'clock_out',
    'break_start',
    'break_end',
    'face',
    'pin',
    'admin',
    'Face',
    'arcface-r100@1',
    'a:b.c_d@e-1',
    'has space',
    'm'.repeat(64),
    'm'.repeat(65),
    [],
    {},
    [1],
  ];

  /** Every candidate must get the same verdict and, when valid, the same object (keys in order). */
  function expectSameAsZod(candidate: unknown) {
    const fast = readPunchEventFast(candidate);
    const slow = ZPunchEvent.safeParse(candidate);
    expect({ candidate, accepted: fast !== undefined }).toEqual({ candidate, accepted: slow.success });
    if (fast && slow.success) {
      expect(fast).toStrictEqual(slow.data);
      expect(Object.keys(fast)).toEqual(Object.keys(slow.data));
      expect(fast).not.toBe(candidate);
    }
  }

  it('agrees with ZPunchEvent on valid punches of every type and method', () => {
    for (const type of ZPunchType.options) {
      expectSameAsZod(punch({ type }));
      expectSameAsZod(punch({ type, method: 'pin', score: null, liveness: null, modelId: null }));
      expectSameAsZod(punch({ type, method: 'admin', score: 0, liveness: 1, modelId: null }));
    }
    expectSameAsZod(JSON.parse(JSON.stringify(punch({ seq: Number.MAX_SAFE_INTEGER, monotonicMs: 0 }))));
  });

  it('agrees with ZPunchEvent when any field is replaced, removed, or a key is added', () => {
    const base = punch();
    for (const key of Object.keys(base)) {
      for (const value of WRONG) {
        expectSameAsZod({ ...base, [key]: value });
        expectSameAsZod({ ...base, method: 'pin', [key]: value });
      }
      const { [key as keyof TPunchEvent]: _removed, ...rest } = base;
      expectSameAsZod(rest);
      expectSameAsZod({ ...rest, photo: 'AAAA' });
    }
    expectSameAsZod({ ...base, photo: 'AAAA' });
    expectSameAsZod({ ...base, photo: undefined });
    expectSameAsZod(Object.assign(Object.create(null), base));
    for (const value of WRONG) expectSameAsZod(value);
  });
});

describe('ZEventBatch', () => {
  it('caps the batch at 500 events', () => {
    const events = Array.from({ length: 501 }, (_, index) => punch({ seq: index + 1 }));
    const batch = {
      protocolVersion: 1,
      deviceId: punch().deviceId,
      events,
      signature: { alg: 'Ed25519', kid: 'k', seq: 501, hash: HASH, sig: 'A'.repeat(86) },
    };
    expect(ZEventBatch.safeParse(batch).success).toBe(false);
    expect(ZEventBatch.safeParse({ ...batch, events: events.slice(0, 500) }).success).toBe(true);
  });
});

describe('parseEventBatch', () => {
  it('rejects one bad event on its own, keeping its id for the ack', () => {
    const good = punch();
    const bad = { ...punch({ id: '019a0000-0000-7000-8000-000000000002', seq: 2 }), score: null };
    const { batch, events } = parseEventBatch({
      protocolVersion: 1,
      deviceId: good.deviceId,
      events: [good, bad, 'nonsense'],
      signature: { alg: 'Ed25519', kid: 'k', seq: 2, hash: HASH, sig: 'A'.repeat(86) },
    });
    expect(batch.deviceId).toBe(good.deviceId);
    expect(events.map((item) => item.isValid)).toEqual([true, false, false]);
    expect(events[1]).toMatchObject({ isValid: false, id: bad.id });
    expect(events[2]).toMatchObject({ isValid: false, id: undefined });
    expect(() => parseEventBatch({ deviceId: good.deviceId, events: [] })).toThrow();
  });
});

describe('ZDeviceRegistration', () => {
  const registration = {
    enrollmentToken: 'x'.repeat(32),
    name: 'Front door',
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'A'.repeat(43) },
    appVersion: '0.1.0',
    protocolVersion: 1,
  };

  it('accepts only a public Ed25519 JWK (DEV-02)', () => {
    expect(ZDeviceRegistration.safeParse(registration).success).toBe(true);
    const withPrivate = { ...registration, publicJwk: { ...registration.publicJwk, d: 'A'.repeat(43) } };
    expect(ZDeviceRegistration.safeParse(withPrivate).success).toBe(false);
    const ec = {
      ...registration,
      publicJwk: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) },
    };
    expect(ZDeviceRegistration.safeParse(ec).success).toBe(false);
    const shortX = { ...registration, publicJwk: { ...registration.publicJwk, x: 'A'.repeat(42) } };
    expect(ZDeviceRegistration.safeParse(shortX).success).toBe(false);
  });
});

describe('downlink schemas', () => {
  it('strip unknown keys so an old kiosk survives a newer hub', () => {
    const settings = {
      recognition: { modelId: 'm@1', matchThreshold: 0.5, margin: 0.05, consecutiveFrames: 3, futureKnob: 1 },
      duplicateWindowSeconds: 60,
      padMode: 'block',
      futureField: true,
    };
    expect(ZKioskSettings.parse(settings)).toEqual({
      recognition: { modelId: 'm@1', matchThreshold: 0.5, margin: 0.05, consecutiveFrames: 3 },
      duplicateWindowSeconds: 60,
      padMode: 'block',
    });
  });

  it('parseRosterDelta drops a bad template and keeps the rest (DEV-07)', () => {
    const employeeId = '019a0000-0000-7000-8000-0000000000e1';
    const good = {
      id: '019a0000-0000-7000-8000-0000000000a1',
      employeeId,
      modelId: 'm@1',
      dimension: 2,
      version: 1,
      embedding: embedding([0.5, -0.25]),
    };
    const { delta, rejected } = parseRosterDelta({
      cursor: 'c1',
      hasMore: false,
      serverTime: '2026-11-22T08:59:00.000Z',
      employees: [{ id: employeeId, code: '1001', displayName: 'Ada', isActive: true }],
      pinHashes: [],
      templates: [
        good,
        { ...good, dimension: 3 },
        { ...good, embedding: embedding([Number.NaN, 1]) },
        { ...good, modelId: 'bad model id' },
      ],
      tombstones: [{ kind: 'template', id: good.id }],
    });
    expect(delta.templates).toEqual([good]);
    expect(delta.employees).toHaveLength(1);
    expect(delta.tombstones).toHaveLength(1);
    expect(rejected.map((item) => [item.list, item.index])).toEqual([
      ['templates', 1],
      ['templates', 2],
      ['templates', 3],
    ]);
  });
});

describe('ZHeartbeat', () => {
  it('accepts the minimum and refuses extras', () => {
    const heartbeat = {
      protocolVersion: 1,
      appVersion: '0.1.0',
      modelId: null,
      queueDepth: 3,
      oldestPendingAt: null,
      lastSyncAt: null,
      lastError: null,
      deviceTime: '2026-11-22T08:59:00.000Z',
    };
    expect(ZHeartbeat.safeParse(heartbeat).success).toBe(true);
    expect(ZHeartbeat.safeParse({ ...heartbeat, templates: [] }).success).toBe(false);
  });
});
