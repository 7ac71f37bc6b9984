import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ZPunchEvent, type TPunchEvent } from '@clockface/contracts/sync';
import { canonicalize } from './canonical';
import { generateKeyPairSync } from 'node:crypto';
import { encodePunchEvent, genesisHead, hashPunchEvent, verifyChain } from './chain';
import { DEVICE, EMPLOYEES, buildChain } from './chain-fixture';
import { createEventBatch, verifyBatchSignature } from './signature';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** One field edit per kind of field, so tampering covers every key of the event. */
const editors: Record<string, (event: TPunchEvent) => TPunchEvent> = {
  id: (event) => ({ ...event, id: '019a0000-0000-7000-8000-ffffffffffff' }),
  deviceId: (event) => ({ ...event, deviceId: '019a0000-0000-7000-8000-0000000000d2' }),
  seq: (event) => ({ ...event, seq: event.seq + 1 }),
  employeeId: (event) => ({
    ...event,
    employeeId: event.employeeId === EMPLOYEES[0] ? EMPLOYEES[1]! : EMPLOYEES[0]!,
  }),
  type: (event) => ({ ...event, type: event.type === 'clock_in' ? 'clock_out' : 'clock_in' }),
  method: (event) => ({ ...event, method: event.method === 'admin' ? 'pin' : 'admin' }),
  deviceTime: (event) => ({ ...event, deviceTime: '2020-01-01T00:00:00.000Z' }),
  monotonicMs: (event) => ({ ...event, monotonicMs: event.monotonicMs + 1 }),
  runId: (event) => ({ ...event, runId: '019a0000-0000-7000-8000-0000000000f2' }),
  score: (event) => ({ ...event, score: event.score === null ? 0.5 : null }),
  liveness: (event) => ({ ...event, liveness: event.liveness === null ? 0.5 : null }),
  modelId: (event) => ({ ...event, modelId: event.modelId === null ? 'x@1' : null }),
  prevHash: (event) => ({ ...event, prevHash: '0'.repeat(64) }),
  hash: (event) => ({ ...event, hash: 'f'.repeat(64) }),
};

describe('canonicalize', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalize({ b: 1, a: { d: [2, { z: null, y: 'x' }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":"x","z":null}]},"b":1}',
    );
  });

  test.prop([fc.jsonValue()])('is independent of key insertion order', (value) => {
    const reversed = JSON.parse(JSON.stringify(value), (_key, inner: unknown) =>
      inner && typeof inner === 'object' && !Array.isArray(inner)
        ? Object.fromEntries(Object.entries(inner).reverse())
        : inner,
    ) as unknown;
    expect(canonicalize(reversed)).toBe(canonicalize(value));
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalize({ a: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalize({ a: 1n })).toThrow(TypeError);
  });
});

describe('encodePunchEvent', () => {
  const withoutHash = ({ hash: _hash, ...rest }: Record<string, unknown>) => rest;

  test.prop([
    fc.record({
      score: fc.option(fc.integer({ min: 0, max: 10_000 }).map((value) => value / 10_000)),
      liveness: fc.option(fc.integer({ min: 0, max: 10_000 }).map((value) => value / 10_000)),
      modelId: fc.option(fc.string({ minLength: 1, maxLength: 64 })),
      runId: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' })),
      monotonicMs: fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true })),
    }),
    fc.boolean(),
  ])('writes the known fields as canonicalize would, with or without hash', (fields, keepHash) => {
    const event = { ...buildChain(1)[0]!, ...fields };
    const input = keepHash ? event : withoutHash(event);
    expect(encodePunchEvent(input as TPunchEvent)).toBe(canonicalize(withoutHash(event)));
  });

  it('escapes what JSON escapes in strings and writes numbers as JSON does', () => {
    const event = buildChain(1)[0]!;
    for (const runId of ['"', '\\', 'a\nb', '\u0000', '\u001f', '\u007f', '\ud800', 'x\udc00', '😀', 'é']) {
      expect(encodePunchEvent({ ...event, runId })).toBe(canonicalize(withoutHash({ ...event, runId })));
    }
    for (const monotonicMs of [-0, 0.1, 1e21, 5e-7, Number.MAX_VALUE, Number.MIN_VALUE]) {
      expect(encodePunchEvent({ ...event, monotonicMs })).toBe(
        canonicalize(withoutHash({ ...event, monotonicMs })),
      );
    }
    expect(() => encodePunchEvent({ ...event, monotonicMs: Number.NaN })).toThrow(TypeError);
  });

  it('falls back to canonicalize for any other shape: an extra field is hashed, a missing one left out', () => {
    const event = buildChain(1)[0]!;
    const extra = { ...event, photo: 'x' } as unknown as TPunchEvent;
    expect(encodePunchEvent(extra)).toBe(canonicalize(withoutHash(extra as never)));
    expect(encodePunchEvent(extra)).toContain('"photo":"x"');
    const { score: _score, ...missing } = event;
    expect(encodePunchEvent(missing as TPunchEvent)).toBe(canonicalize(withoutHash(missing)));
    expect(hashPunchEvent(extra)).not.toBe(hashPunchEvent(event));
  });
});

describe('hash chain', () => {
  it('links a valid chain from genesis, and every event passes the wire schema', () => {
    const events = buildChain(5);
    const verification = verifyChain(events, { deviceId: DEVICE, head: genesisHead(DEVICE) });
    expect(verification.isIntact).toBe(true);
    expect(verification.head).toEqual({ seq: 5, hash: events[4]!.hash });
    for (const event of events) expect(ZPunchEvent.parse(event)).toEqual(event);
  });

  it('binds the genesis to the device, so a chain cannot be replayed as another device', () => {
    const events = buildChain(2, DEVICE).map((event) => ({
      ...event,
      deviceId: '019a0000-0000-7000-8000-0000000000d2',
    }));
    const other = '019a0000-0000-7000-8000-0000000000d2';
    expect(verifyChain(events, { deviceId: other, head: genesisHead(other) }).isIntact).toBe(false);
  });

  it('reports a reorder, a gap and a replay with their own codes', () => {
    const [first, second, third] = buildChain(3) as [TPunchEvent, TPunchEvent, TPunchEvent];
    const reordered = verifyChain([first, third, second], { deviceId: DEVICE, head: genesisHead(DEVICE) });
    expect(reordered.results.map((result) => (result.status === 'linked' ? 'linked' : result.code))).toEqual([
      'linked',
      'SEQ_GAP',
      'SEQ_DUPLICATE',
    ]);
    const replay = verifyChain([first], { deviceId: DEVICE, head: { seq: 3, hash: third.hash } });
    expect(replay.results[0]).toMatchObject({ status: 'issue', code: 'SEQ_DUPLICATE' });
  });

  test.prop(
    [fc.integer({ min: 1, max: 40 }), fc.nat(), fc.constantFrom(...Object.keys(editors)), fc.boolean()],
    { numRuns: 300 },
  )('detects any edit of any field of any event, re-hashed or not', (length, pick, field, rehash) => {
    const events = buildChain(length);
    const index = pick % length;
    let tampered = editors[field]!(events[index]!);
    if (rehash && field !== 'hash') tampered = { ...tampered, hash: hashPunchEvent(tampered) };
    const copy = [...events];
    copy[index] = tampered;
    const batch = createEventBatch({ deviceId: DEVICE, kid: 'k', privateKey, events });
    expect(verifyBatchSignature(batch, publicKey)).toBe(true);
    const verification = verifyChain(copy, { deviceId: DEVICE, head: genesisHead(DEVICE) });
    // A re-hashed edit of the newest event keeps the chain self-consistent; the signature over the
    // newest hash is what catches that one. Together they catch every edit.
    const isSignatureValid = verifyBatchSignature({ ...batch, events: copy }, publicKey);
    expect(verification.isIntact && isSignatureValid).toBe(false);
    if (index < length - 1 || !rehash) expect(verification.isIntact).toBe(false);
  });

  test.prop([fc.integer({ min: 1, max: 60 }), fc.array(fc.integer({ min: 1, max: 59 }), { maxLength: 8 })])(
    'gives the same results however the chain is split into batches',
    (length, rawCuts) => {
      const events = buildChain(length);
      const whole = verifyChain(events, { deviceId: DEVICE, head: genesisHead(DEVICE) });
      const cuts = [...new Set(rawCuts.filter((cut) => cut < length))].sort((a, b) => a - b);
      let head = genesisHead(DEVICE);
      const results = [];
      let start = 0;
      for (const end of [...cuts, length]) {
        const part = verifyChain(events.slice(start, end), { deviceId: DEVICE, head });
        results.push(...part.results);
        head = part.head;
        start = end;
      }
      expect(results).toEqual(whole.results);
      expect(head).toEqual(whole.head);
    },
  );

  test.prop([
    fc.integer({ min: 2, max: 30 }),
    fc.nat(),
    fc.array(fc.integer({ min: 1, max: 29 }), { maxLength: 5 }),
  ])('detects a removed event wherever the batch boundaries fall', (length, pick, rawCuts) => {
    const events = buildChain(length);
    const removed = pick % (length - 1); // never the newest: dropping it is just "not sent yet"
    const remaining = events.filter((_, index) => index !== removed);
    const cuts = [...new Set(rawCuts.filter((cut) => cut < remaining.length))].sort((a, b) => a - b);
    let head = genesisHead(DEVICE);
    let isIntact = true;
    let start = 0;
    for (const end of [...cuts, remaining.length]) {
      const part = verifyChain(remaining.slice(start, end), { deviceId: DEVICE, head });
      isIntact &&= part.isIntact;
      head = part.head;
      start = end;
    }
    expect(isIntact).toBe(false);
  });
});
