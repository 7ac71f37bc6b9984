/**
 * Kiosk sync against the real hub: event batches (idempotency, order, tampering, conflicts,
 * tenancy — DEV-03, DEV-05, DEV-06, DEV-07), roster deltas with tombstones, heartbeats and clock skew.
 */
import { randomUUID } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { MAX_ROSTER_ITEMS, type TPunchEvent } from '@clockface/contracts/sync';
import { ManualClock, uuidv7 } from '@clockface/core';
import { schema, withOrgScope } from '@clockface/db-hub';
import { insertDeviceTokenUse } from '@clockface/db-hub/queries';
import { appendToChain, createEventBatch, genesisHash, hashPunchEvent } from '@clockface/sync-protocol';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';
import { createEnrollmentToken, registerKiosk, type TestKiosk } from '../helpers/test-kiosk';

let hub: TestHub;
let clock: ManualClock;
type Owner = Awaited<ReturnType<typeof signUpOwner>>;
let owner: Owner;
let foreignOwner: Owner;
let siteId: string;
let otherSiteId: string;
/** Home site = the kiosk's site, with a PIN. */
let alice: string;
/** No home site (floats), no PIN. */
let bob: string;
/** Home site elsewhere. */
let carol: string;
/** An employee of another org. */
let mallory: string;

const asOwner = (method: string, path: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });

async function createEmployee(as: Owner, body: Record<string, unknown>) {
  const response = await hub.request('POST', `/api/orgs/${as.orgId}/employees`, {
    token: as.accessToken,
    body,
  });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

beforeAll(async () => {
  clock = new ManualClock(new Date());
  hub = await createTestHub({ clock });
  owner = await signUpOwner(hub);
  foreignOwner = await signUpOwner(hub);
  siteId = (await asOwner('POST', '/sites', { name: 'Depot', timeZone: 'Europe/Paris' })).body.id;
  otherSiteId = (await asOwner('POST', '/sites', { name: 'Shop' })).body.id;
  alice = await createEmployee(owner, { code: 'A1', name: 'Alice', homeSiteId: siteId, pin: '4821' });
  bob = await createEmployee(owner, { code: 'B1', name: 'Bob' });
  carol = await createEmployee(owner, { code: 'C1', name: 'Carol', homeSiteId: otherSiteId, pin: '1111' });
  mallory = await createEmployee(foreignOwner, { code: 'M1', name: 'Mallory' });
});
afterAll(async () => {
  await hub?.close();
});

async function newKiosk(options: { site?: string } = {}) {
  const { token } = await createEnrollmentToken(hub, owner, { siteId: options.site ?? siteId });
  return registerKiosk(hub, token);
}

const push = (kiosk: TestKiosk, batch: unknown) => kiosk.request('POST', '/api/sync/events', { body: batch });

async function storedEvents(deviceId: string) {
  return hub.runtime.deps.db
    .select()
    .from(schema.attendanceEvents)
    .where(eq(schema.attendanceEvents.deviceId, deviceId))
    .orderBy(schema.attendanceEvents.seq);
}

async function deviceRow(deviceId: string) {
  const [row] = await hub.runtime.deps.db
    .select()
    .from(schema.devices)
    .where(eq(schema.devices.id, deviceId));
  return row!;
}

const heartbeatBody = () => ({
  protocolVersion: 1,
  appVersion: '1.0.0',
  modelId: null,
  queueDepth: 0,
  oldestPendingAt: null,
  lastSyncAt: clock.now().toISOString(),
  lastError: null,
  deviceTime: clock.now().toISOString(),
});

const statuses = (body: { results: { status: string; code?: string }[] }) =>
  body.results.map((result) => (result.code ? `${result.status}:${result.code}` : result.status));

/** An event changed after the fact and, optionally, re-hashed so its own hash matches again. */
function edit(event: TPunchEvent, changes: Partial<TPunchEvent>, rehash: boolean): TPunchEvent {
  const changed = { ...event, ...changes };
  return rehash ? { ...changed, hash: hashPunchEvent(changed) } : changed;
}

describe('event batches', () => {
  it('stores a batch once: acks per id, the head moves, times are kept as sent and received', async () => {
    const kiosk = await newKiosk();
    const events = kiosk.punches([alice, bob, alice]);
    const first = await push(kiosk, kiosk.batch(events));
    expect(first.status).toBe(200);
    expect(statuses(first.body)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(first.body.head).toEqual({ seq: 3, hash: events[2]!.hash });
    expect(first.body.serverTime).toBe(clock.now().toISOString());

    // The same batch 3× more: all duplicates, no second row (DEV-05).
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const again = await push(kiosk, kiosk.batch(events));
      expect(statuses(again.body)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    }
    const rows = await storedEvents(kiosk.deviceId);
    expect(rows.map((row) => row.id)).toEqual(events.map((event) => event.id));
    expect(rows[0]).toMatchObject({
      orgId: owner.orgId,
      employeeId: alice,
      siteId,
      seq: 1,
      source: 'kiosk',
      method: 'face',
      score: 0.8123,
      liveness: 0.9,
      modelId: 'arcface-r100@1',
      prevHash: genesisHash(kiosk.deviceId),
      hash: events[0]!.hash,
      flags: [],
    });
    expect(rows[0]!.deviceTime!.toISOString()).toBe(events[0]!.deviceTime);
    expect(rows[0]!.receivedAt.toISOString()).toBe(clock.now().toISOString());
    const device = await deviceRow(kiosk.deviceId);
    expect(device).toMatchObject({ lastSeq: 3, lastHash: events[2]!.hash, isFlaggedForReview: false });
  });

  it('batches out of order: both kept exactly once, the head catches up when the gap fills', async () => {
    const kiosk = await newKiosk();
    const early = kiosk.punches([alice, bob]);
    const late = kiosk.punches([bob, alice]);
    const second = await push(kiosk, kiosk.batch(late));
    expect(statuses(second.body)).toEqual(['accepted:SEQ_GAP', 'accepted']);
    expect(second.body.head.seq).toBe(0);
    const first = await push(kiosk, kiosk.batch(early));
    expect(statuses(first.body)).toEqual(['accepted', 'accepted']);
    expect(first.body.head).toEqual({ seq: 4, hash: late[1]!.hash });
    await push(kiosk, kiosk.batch(late));
    expect((await storedEvents(kiosk.deviceId)).map((row) => row.seq)).toEqual([1, 2, 3, 4]);
    // A gap is worth a look even when it fills (DEV-05).
    expect((await deviceRow(kiosk.deviceId)).flagReason).toMatch(/Gap before seq 3/);
  });

  it('a modified event is rejected with HASH_MISMATCH; events no longer covered by the signature with CHAIN_BROKEN', async () => {
    const kiosk = await newKiosk();
    const events = kiosk.punches([alice, alice, alice]);
    const tampered = [events[0]!, edit(events[1]!, { employeeId: bob }, false), events[2]!];
    const response = await push(kiosk, kiosk.batch(tampered));
    expect(response.status).toBe(200);
    expect(statuses(response.body)).toEqual([
      'rejected:CHAIN_BROKEN',
      'rejected:HASH_MISMATCH',
      'accepted:SEQ_GAP',
    ]);
    expect(response.body.results[1].message).toMatch(/modified/);
    expect((await storedEvents(kiosk.deviceId)).map((row) => row.seq)).toEqual([3]);
    expect((await deviceRow(kiosk.deviceId)).isFlaggedForReview).toBe(true);
  });

  it('reordered or re-hashed events are rejected per event; the signed newest one still counts', async () => {
    const kiosk = await newKiosk();
    const events = kiosk.punches([alice, bob, alice, bob]);
    const reordered = [events[1]!, events[0]!, events[2]!, events[3]!];
    // The signature is over the newest event, so it still verifies; the chain shows the swap.
    expect(statuses((await push(kiosk, kiosk.batch(reordered))).body)).toEqual([
      'rejected:CHAIN_BROKEN',
      'rejected:CHAIN_BROKEN',
      'accepted:SEQ_GAP',
      'accepted',
    ]);
    const kiosk2 = await newKiosk();
    const more = kiosk2.punches([alice, bob, alice]);
    const rehashed = [more[0]!, edit(more[1]!, { employeeId: alice }, true), more[2]!];
    expect(statuses((await push(kiosk2, kiosk2.batch(rehashed))).body)).toEqual([
      'rejected:CHAIN_BROKEN',
      'rejected:CHAIN_BROKEN',
      'accepted:SEQ_GAP',
    ]);
    expect((await storedEvents(kiosk2.deviceId)).map((row) => row.employeeId)).toEqual([alice]);
  });

  it('an event that breaks the contract is rejected alone (INVALID_EVENT), the batch goes on', async () => {
    const kiosk = await newKiosk();
    const batch = kiosk.batch(kiosk.punches([alice, bob, alice]));
    const broken = {
      ...batch,
      events: [batch.events[0], { ...batch.events[1], score: 'high' }, batch.events[2]],
    };
    const response = await push(kiosk, broken);
    expect(response.status).toBe(200);
    expect(statuses(response.body)).toEqual([
      'rejected:CHAIN_BROKEN',
      'rejected:INVALID_EVENT',
      'accepted:SEQ_GAP',
    ]);
    const envelope = await push(kiosk, { ...batch, protocolVersion: 'one' });
    expect(envelope.status).toBe(422);
    const notJson = await hub.request('POST', '/api/sync/events', {
      token: await kiosk.token('POST', '/api/sync/events'),
      body: '{"events": [',
    });
    expect(notJson.status).toBe(400);
  });

  it('a batch re-signed by another key is refused whole (422), nothing stored', async () => {
    const kiosk = await newKiosk();
    const events = kiosk.punches([alice]);
    const forged = createEventBatch({
      deviceId: kiosk.deviceId,
      kid: kiosk.kid,
      privateKey: generateKeyPairSync('ed25519').privateKey,
      events,
    });
    const response = await push(kiosk, forged);
    expect(response.status).toBe(422);
    expect(response.body.detail).toMatch(/signature/);
    expect(await storedEvents(kiosk.deviceId)).toEqual([]);
  });

  it('an existing id with different content is a conflict: never overwritten, logged, device flagged (DEV-05)', async () => {
    const kiosk = await newKiosk();
    const [original] = kiosk.punches([alice]);
    await push(kiosk, kiosk.batch([original!]));
    // Correctly hashed and signed by the device key, yet not the stored event.
    const impostor = edit(original!, { employeeId: bob }, true);
    const response = await push(kiosk, kiosk.batch([impostor]));
    expect(statuses(response.body)).toEqual(['conflict:ID_CONFLICT']);
    const rows = await storedEvents(kiosk.deviceId);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.employeeId).toBe(alice);
    expect((await deviceRow(kiosk.deviceId)).flagReason).toMatch(/Conflicting event/);
    const audit = await asOwner('GET', `/audit-log?entityId=${original!.id}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toContain(
      'device.event_conflict',
    );
  });

  it('another event at a stored position (a fork signed by the device) is a conflict; the head stays', async () => {
    const kiosk = await newKiosk();
    const [first] = kiosk.punches([alice]);
    await push(kiosk, kiosk.batch([first!]));
    const fork = edit(first!, { id: uuidv7(), employeeId: bob }, true);
    const response = await push(kiosk, kiosk.batch([fork]));
    expect(statuses(response.body)).toEqual(['conflict:SEQ_CONFLICT']);
    expect(response.body.head).toEqual({ seq: 1, hash: first!.hash });
    expect((await storedEvents(kiosk.deviceId)).map((row) => row.id)).toEqual([first!.id]);
  });

  it('an id stored for another device or org, in a batch past the head: a conflict, nothing overwritten, the device flagged', async () => {
    /** The kiosk's next punch, but with a chosen id. */
    const punchWithId = (kiosk: TestKiosk, id: string): TPunchEvent => {
      const event = appendToChain(kiosk.head, {
        id,
        deviceId: kiosk.deviceId,
        employeeId: alice,
        type: 'clock_in',
        method: 'face',
        deviceTime: clock.now().toISOString(),
        monotonicMs: 1,
        runId: randomUUID(),
        score: 0.8123,
        liveness: 0.9,
        modelId: 'arcface-r100@1',
      });
      kiosk.head = { seq: event.seq, hash: event.hash };
      return event;
    };
    const neighbour = await newKiosk();
    const [taken] = neighbour.punches([bob]);
    await push(neighbour, neighbour.batch([taken!]));
    // An org of its own, so other tests still see no punch in foreignOwner's org.
    const thirdOrg = await signUpOwner(hub);
    const outsider = await createEmployee(thirdOrg, { code: 'O1', name: 'Olga' });
    const { token } = await createEnrollmentToken(hub, thirdOrg);
    const foreignKiosk = await registerKiosk(hub, token);
    const [foreignTaken] = foreignKiosk.punches([outsider]);
    expect(statuses((await push(foreignKiosk, foreignKiosk.batch([foreignTaken!]))).body)).toEqual([
      'accepted',
    ]);

    // Both batches continue the chain past everything stored (the ingest's fast path, which does
    // not look ids up before inserting); the answers are those of the general path.
    const kiosk = await newKiosk();
    const events = [kiosk.punches([alice])[0]!, punchWithId(kiosk, taken!.id), kiosk.punches([bob])[0]!];
    const response = await push(kiosk, kiosk.batch(events));
    expect(statuses(response.body)).toEqual(['accepted', 'conflict:ID_CONFLICT', 'accepted:SEQ_GAP']);
    expect(response.body.head).toEqual({ seq: 1, hash: events[0]!.hash });
    // Another org's id is invisible to the lookup (RLS): only the insert finds it taken, after the
    // flags were set, so the next event is not flagged (as before the fast path existed).
    const other = await newKiosk();
    const crossing = [
      other.punches([alice])[0]!,
      punchWithId(other, foreignTaken!.id),
      other.punches([bob])[0]!,
    ];
    const second = await push(other, other.batch(crossing));
    expect(statuses(second.body)).toEqual(['accepted', 'conflict:ID_CONFLICT', 'accepted']);
    expect(second.body.results[1].message).toMatch(/already taken/);
    expect(second.body.head).toEqual({ seq: 1, hash: crossing[0]!.hash });
    expect((await storedEvents(other.deviceId)).map((row) => row.seq)).toEqual([1, 3]);

    expect((await storedEvents(kiosk.deviceId)).map((row) => row.seq)).toEqual([1, 3]);
    expect((await storedEvents(neighbour.deviceId)).map((row) => row.employeeId)).toEqual([bob]);
    const [foreignRow] = await hub.runtime.deps.db
      .select()
      .from(schema.attendanceEvents)
      .where(eq(schema.attendanceEvents.id, foreignTaken!.id));
    expect(foreignRow).toMatchObject({ orgId: thirdOrg.orgId, employeeId: outsider });
    expect((await deviceRow(kiosk.deviceId)).isFlaggedForReview).toBe(true);
    const audit = await asOwner('GET', `/audit-log?entityId=${taken!.id}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toContain(
      'device.event_conflict',
    );
  });

  it("another org's or an unknown employee is rejected for that event only (DEV-03)", async () => {
    const kiosk = await newKiosk();
    const events = kiosk.punches([alice, mallory, randomUUID(), bob]);
    const response = await push(kiosk, kiosk.batch(events));
    expect(statuses(response.body)).toEqual([
      'accepted',
      'rejected:UNKNOWN_EMPLOYEE',
      'rejected:UNKNOWN_EMPLOYEE',
      // Its predecessors are authentic links of this batch, so this is no gap.
      'accepted',
    ]);
    expect((await storedEvents(kiosk.deviceId)).map((row) => row.employeeId)).toEqual([alice, bob]);
    // Authentic but unstorable events still count as links: the head is not stuck behind them.
    expect(response.body.head.seq).toBe(4);
    const foreign = await withOrgScope(hub.runtime.deps.db, foreignOwner.orgId, (tx) =>
      tx.select().from(schema.attendanceEvents),
    );
    expect(foreign).toEqual([]);
  });

  it("events naming another device → 403, nothing stored; the body's org is ignored (DEV-03)", async () => {
    const kiosk = await newKiosk();
    const victim = await newKiosk();
    const events = kiosk.punches([alice]).map((event) => ({ ...event, deviceId: victim.deviceId }));
    const asVictim = await push(kiosk, { ...kiosk.batch(events), deviceId: victim.deviceId });
    expect(asVictim.status).toBe(403);
    const mixed = await push(kiosk, { ...kiosk.batch(events), deviceId: kiosk.deviceId });
    expect(mixed.status).toBe(403);
    expect(await storedEvents(victim.deviceId)).toEqual([]);
    expect(await storedEvents(kiosk.deviceId)).toEqual([]);
  });

  it('flags future device times, PIN punches and employees of other sites; accepts them', async () => {
    const kiosk = await newKiosk();
    const future = kiosk.punches([alice], { deviceTime: new Date(clock.now().getTime() + 2 * 86_400_000) });
    const pin = kiosk.punches([alice], { method: 'pin' });
    const elsewhere = kiosk.punches([carol]);
    const response = await push(kiosk, kiosk.batch([...future, ...pin, ...elsewhere]));
    expect(statuses(response.body)).toEqual([
      'accepted:DEVICE_TIME_IN_FUTURE',
      'accepted:PIN_PUNCH',
      'accepted:EMPLOYEE_OTHER_SITE',
    ]);
    const rows = await storedEvents(kiosk.deviceId);
    expect(rows.map((row) => row.flags)).toEqual([
      ['device_time_in_future'],
      ['pin_punch'],
      ['employee_other_site'],
    ]);
    expect((await deviceRow(kiosk.deviceId)).flagReason).toMatch(/more than 24 h ahead/);
  });

  it('more than 30 punches in one device minute are flagged as a burst, and an admin can clear the flag', async () => {
    const kiosk = await newKiosk();
    const at = new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000);
    const events = kiosk.punches(
      Array.from({ length: 31 }, () => bob),
      { deviceTime: at },
    );
    const response = await push(kiosk, kiosk.batch(events));
    expect(response.body.results.every((result: { status: string }) => result.status === 'accepted')).toBe(
      true,
    );
    const rows = await storedEvents(kiosk.deviceId);
    expect(rows.every((row) => row.flags.includes('punch_burst'))).toBe(true);
    expect((await deviceRow(kiosk.deviceId)).flagReason).toMatch(/31 punches within the minute/);

    const cleared = await asOwner('PATCH', `/devices/${kiosk.deviceId}`, { isFlaggedForReview: false });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ isFlaggedForReview: false, flagReason: null });
    const audit = await asOwner('GET', `/audit-log?entityId=${kiosk.deviceId}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toContain(
      'device.flag_cleared',
    );
    expect((await asOwner('PATCH', `/devices/${kiosk.deviceId}`, { isFlaggedForReview: true })).status).toBe(
      422,
    );
    expect((await asOwner('PATCH', `/devices/${kiosk.deviceId}`, {})).status).toBe(422);
  });

  it('more than 500 events → 413', async () => {
    const kiosk = await newKiosk();
    const events = kiosk.punches(Array.from({ length: 501 }, () => alice));
    const response = await push(kiosk, { ...kiosk.batch(events.slice(0, 500)), events });
    expect(response.status).toBe(413);
  });

  it('the token id is committed with the batch; a replayed token → 401 TOKEN_REPLAYED after a stored batch, after a refused one, and between two sent at once (JWT-04)', async () => {
    const kiosk = await newKiosk();
    const path = '/api/sync/events';
    const send = (token: string, body: unknown) => kiosk.request('POST', path, { token, body });
    const expectReplayed = (response: { status: number; body: { code?: string } }) => {
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('TOKEN_REPLAYED');
    };
    const events = kiosk.punches([alice, bob]);
    const token = await kiosk.token('POST', path);
    expect((await send(token, kiosk.batch(events))).status).toBe(200);
    expectReplayed(await send(token, kiosk.batch(events)));

    // Refused before the ingest transaction (bad JSON, a forged signature, another device's events)
    // or inside it: the token is spent all the same, a replay with a good batch stores nothing.
    const next = kiosk.punches([alice]);
    const forged = createEventBatch({
      deviceId: kiosk.deviceId,
      kid: kiosk.kid,
      privateKey: generateKeyPairSync('ed25519').privateKey,
      events: next,
    });
    const victim = await newKiosk();
    const refusals: [unknown, number][] = [
      [forged, 422],
      [{ ...kiosk.batch(next), deviceId: victim.deviceId }, 403],
      [{ ...kiosk.batch(next), events: [] }, 422],
    ];
    for (const [body, status] of refusals) {
      const spent = await kiosk.token('POST', path);
      expect((await send(spent, body)).status).toBe(status);
      expectReplayed(await send(spent, kiosk.batch(next)));
    }
    const malformed = await kiosk.token('POST', path);
    const badJson = await hub.runtime.app.request(path, {
      method: 'POST',
      headers: { authorization: `Bearer ${malformed}`, 'content-type': 'application/json' },
      body: '{"events": [',
    });
    expect(badJson.status).toBe(400);
    expectReplayed(await send(malformed, kiosk.batch(next)));
    expect((await storedEvents(kiosk.deviceId)).map((row) => row.id)).toEqual(
      events.map((event) => event.id),
    );

    // One token, two batches at once: exactly one is stored.
    const shared = await kiosk.token('POST', path);
    const both = await Promise.all([send(shared, kiosk.batch(next)), send(shared, kiosk.batch(next))]);
    expect(both.map((response) => response.status).sort()).toEqual([200, 401]);
    expectReplayed(both.find((response) => response.status === 401)!);
    expect(await storedEvents(kiosk.deviceId)).toHaveLength(3);

    // The app role records token ids of its own org's devices only (migration 0016).
    const { token: foreignEnrollment } = await createEnrollmentToken(hub, foreignOwner);
    const foreign = await registerKiosk(hub, foreignEnrollment);
    const use = (deviceId: string) => ({ deviceId, jti: randomUUID(), expiresAt: clock.now() });
    await expect(
      withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) => insertDeviceTokenUse(tx, use(foreign.deviceId))),
    ).rejects.toThrow();
    await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      insertDeviceTokenUse(tx, use(kiosk.deviceId)),
    );
  });

  it('50 kiosks syncing at once, each batch sent twice: every punch stored exactly once, heads right', async () => {
    const kiosks = await Promise.all(Array.from({ length: 50 }, () => newKiosk()));
    const sent = kiosks.map((kiosk) => [kiosk.punches([alice, bob]), kiosk.punches([bob, alice, bob])]);
    await Promise.all(
      kiosks.map(async (kiosk, index) => {
        for (const events of [...sent[index]!, ...sent[index]!]) {
          const response = await push(kiosk, kiosk.batch(events));
          expect(response.status).toBe(200);
        }
        expect((await kiosk.request('POST', '/api/sync/heartbeat', { body: heartbeatBody() })).status).toBe(
          200,
        );
      }),
    );
    const rows = await hub.runtime.deps.db
      .select({ deviceId: schema.attendanceEvents.deviceId, seq: schema.attendanceEvents.seq })
      .from(schema.attendanceEvents)
      .where(
        inArray(
          schema.attendanceEvents.deviceId,
          kiosks.map((kiosk) => kiosk.deviceId),
        ),
      );
    expect(rows).toHaveLength(50 * 5);
    for (const kiosk of kiosks) {
      expect(await deviceRow(kiosk.deviceId)).toMatchObject({ lastSeq: 5, lastHash: kiosk.head.hash });
    }
  });

  it('punches are append-only for the app role (DEV-06)', async () => {
    const db = hub.runtime.deps.db;
    await expect(withOrgScope(db, owner.orgId, (tx) => tx.delete(schema.attendanceEvents))).rejects.toThrow();
    await expect(
      withOrgScope(db, owner.orgId, (tx) => tx.update(schema.attendanceEvents).set({ type: 'clock_out' })),
    ).rejects.toThrow();
  });
});

describe('heartbeat and clock skew', () => {
  const heartbeat = (deviceTime: Date) => ({
    protocolVersion: 1,
    appVersion: '1.2.3',
    modelId: 'arcface-r100@1',
    queueDepth: 42,
    oldestPendingAt: new Date(clock.now().getTime() - 60_000).toISOString(),
    lastSyncAt: null,
    lastError: { code: 'HUB_UNREACHABLE', message: 'connect ECONNREFUSED' },
    deviceTime: deviceTime.toISOString(),
    securityEvents: [
      {
        id: randomUUID(),
        kind: 'pin_locked',
        occurredAt: clock.now().toISOString(),
        employeeId: alice,
      },
    ],
  });

  it('stores the status and the measured offset, answers time and settings; the console lists them', async () => {
    const kiosk = await newKiosk();
    const response = await kiosk.request('POST', '/api/sync/heartbeat', { body: heartbeat(clock.now()) });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      serverTime: clock.now().toISOString(),
      clockOffsetMs: 0,
      settings: { timeZone: 'Europe/Paris', padMode: 'warn' },
    });
    const listed = (await asOwner('GET', '/devices')).body.items.find(
      (device: { id: string }) => device.id === kiosk.deviceId,
    );
    expect(listed).toMatchObject({
      appVersion: '1.2.3',
      modelId: 'arcface-r100@1',
      queueDepth: 42,
      clockOffsetMs: 0,
      lastError: { code: 'HUB_UNREACHABLE', message: 'connect ECONNREFUSED' },
      lastHeartbeatAt: clock.now().toISOString(),
      isFlaggedForReview: false,
    });
    const audit = await asOwner('GET', `/audit-log?entityId=${kiosk.deviceId}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toContain(
      'device.security_event.pin_locked',
    );
    const settings = await kiosk.request('GET', '/api/sync/settings');
    expect(settings.body).toMatchObject({ timeZone: 'Europe/Paris', duplicateWindowSeconds: 60 });
  });

  it('a device 10 min slow is flagged and its punches are corrected by the measured offset', async () => {
    const kiosk = await newKiosk();
    const slow = new Date(clock.now().getTime() - 10 * 60_000);
    const response = await kiosk.request('POST', '/api/sync/heartbeat', { body: heartbeat(slow) });
    expect(response.body.clockOffsetMs).toBe(600_000);
    expect(await deviceRow(kiosk.deviceId)).toMatchObject({
      clockOffsetMs: 600_000,
      isFlaggedForReview: true,
    });
    const [punch] = kiosk.punches([alice], { deviceTime: slow });
    await push(kiosk, kiosk.batch([punch!]));
    const [row] = await storedEvents(kiosk.deviceId);
    expect(row!.deviceTime!.toISOString()).toBe(slow.toISOString());
    expect(row!.occurredAt.toISOString()).toBe(clock.now().toISOString());
    expect(row!.clockOffsetMs).toBe(600_000);
  });
});

describe('roster deltas', () => {
  type Delta = {
    cursor: string;
    hasMore: boolean;
    employees: { id: string; code: string }[];
    pinHashes: { employeeId: string; hash: string }[];
    tombstones: { kind: string; id: string }[];
    templates: unknown[];
    settings?: unknown;
  };
  const pull = async (kiosk: TestKiosk, cursor?: string): Promise<Delta> => {
    const path = cursor ? `/api/sync/roster?cursor=${encodeURIComponent(cursor)}` : '/api/sync/roster';
    const response = await kiosk.request('GET', path);
    expect(response.status).toBe(200);
    return response.body as Delta;
  };

  it("first pull: the site's employees and floaters with PIN hashes, nobody else's, no tombstones", async () => {
    const kiosk = await newKiosk();
    const delta = await pull(kiosk);
    const ids = delta.employees.map((employee) => employee.id);
    expect(ids).toEqual(expect.arrayContaining([alice, bob]));
    expect(ids).not.toContain(carol);
    expect(ids).not.toContain(mallory);
    expect(delta.pinHashes).toEqual([{ employeeId: alice, hash: expect.stringMatching(/^\$argon2id\$/) }]);
    expect(delta).toMatchObject({ hasMore: false, tombstones: [], templates: [] });
    expect(delta.settings).toMatchObject({ timeZone: 'Europe/Paris' });
    // Nothing changed: the next pull brings nothing new. (It may repeat rows: the cursor stops at the
    // oldest transaction still running anywhere on the server, so a busy server re-sends a little.)
    const next = await pull(kiosk, delta.cursor);
    expect(ids).toEqual(expect.arrayContaining(next.employees.map((employee) => employee.id)));
    expect(next.tombstones.filter((tombstone) => ids.includes(tombstone.id))).toEqual([]);
  });

  it('sends tombstones for a removed PIN, a termination, a deletion and a move to another site', async () => {
    const kiosk = await newKiosk();
    const dave = await createEmployee(owner, { code: 'D1', name: 'Dave', homeSiteId: siteId, pin: '2222' });
    const erin = await createEmployee(owner, { code: 'E1', name: 'Erin', pin: '3333' });
    const frank = await createEmployee(owner, { code: 'F1', name: 'Frank', homeSiteId: siteId });
    const gina = await createEmployee(owner, { code: 'G1', name: 'Gina', homeSiteId: siteId, pin: '4444' });
    const first = await pull(kiosk);
    expect(first.employees.map((employee) => employee.id)).toEqual(
      expect.arrayContaining([dave, erin, frank, gina]),
    );

    expect((await asOwner('PATCH', `/employees/${dave}`, { pin: null })).status).toBe(200);
    expect(
      (await asOwner('POST', `/employees/${erin}/terminate`, { terminationDate: '2026-01-31' })).status,
    ).toBe(200);
    expect((await asOwner('DELETE', `/employees/${frank}`)).status).toBe(204);
    expect((await asOwner('PATCH', `/employees/${gina}`, { homeSiteId: otherSiteId })).status).toBe(200);

    const delta = await pull(kiosk, first.cursor);
    expect(delta.tombstones).toEqual(
      expect.arrayContaining([
        { kind: 'pin', id: dave },
        { kind: 'employee', id: erin },
        { kind: 'employee', id: frank },
        { kind: 'employee', id: gina },
      ]),
    );
    expect(delta.employees.map((employee) => employee.id)).toEqual([dave]);
    expect(delta.pinHashes).toEqual([]);
    // Nothing new afterwards; repeats of the same tombstones are allowed (see above).
    expect(delta.tombstones).toEqual(expect.arrayContaining((await pull(kiosk, delta.cursor)).tombstones));
  });

  it('pages at 1000 items and never skips a row; a cursor of another device is refused', async () => {
    const kiosk = await newKiosk({ site: otherSiteId });
    const baseline = await pull(kiosk);
    await withOrgScope(hub.runtime.deps.db, owner.orgId, (tx) =>
      tx.insert(schema.employees).values(
        Array.from({ length: MAX_ROSTER_ITEMS + 5 }, (_, index) => ({
          id: uuidv7(),
          orgId: owner.orgId,
          code: `BULK-${index}`,
          name: `Bulk ${index}`,
          homeSiteId: otherSiteId,
        })),
      ),
    );
    // Follow the pages to the end. A page may also re-send rows changed before the baseline (the
    // cursor's lower bound is the oldest transaction running anywhere on the server, and other test
    // files share it), as employees or as tombstones for other sites' people; they count towards
    // the page size, so the split between pages is not fixed, but the first page is full.
    const pages: Delta[] = [];
    let cursor = baseline.cursor;
    do {
      const page = await pull(kiosk, cursor);
      pages.push(page);
      cursor = page.cursor;
    } while (pages.at(-1)!.hasMore && pages.length < 10);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.at(-1)!.hasMore).toBe(false);
    const [first] = pages;
    expect(first!.employees.length + first!.tombstones.filter((t) => t.kind === 'employee').length).toBe(
      MAX_ROSTER_ITEMS,
    );
    for (const page of pages) expect(page.employees.length).toBeLessThanOrEqual(MAX_ROSTER_ITEMS);
    for (const page of pages.slice(0, -1)) expect(page.settings).toBeUndefined();
    expect(pages.at(-1)!.settings).toBeDefined();
    const codes = new Set(pages.flatMap((page) => page.employees.map((employee) => employee.code)));
    expect([...codes].filter((code) => code.startsWith('BULK-'))).toHaveLength(MAX_ROSTER_ITEMS + 5);
    const page2 = pages.at(-1)!;

    const stranger = await newKiosk();
    const refused = await stranger.request(
      'GET',
      `/api/sync/roster?cursor=${encodeURIComponent(page2.cursor)}`,
    );
    expect(refused.status).toBe(422);
  });

  it('ignores a client-supplied org: the roster is always the device org (DEV-03)', async () => {
    const kiosk = await newKiosk();
    const response = await hub.request('GET', `/api/sync/roster?orgId=${foreignOwner.orgId}`, {
      token: await kiosk.token('GET', '/api/sync/roster'),
      headers: { 'x-org-id': foreignOwner.orgId },
    });
    expect(response.status).toBe(200);
    expect(response.body.employees.map((employee: { id: string }) => employee.id)).not.toContain(mallory);
    const rows = await hub.runtime.deps.db
      .select()
      .from(schema.devices)
      .where(and(eq(schema.devices.id, kiosk.deviceId), eq(schema.devices.orgId, owner.orgId)));
    expect(rows).toHaveLength(1);
  });
});
