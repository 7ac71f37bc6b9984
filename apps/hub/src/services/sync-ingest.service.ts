/**
 * @module Punch ingest: a kiosk's signed batch becomes attendance events, exactly once.
 *
 * Per batch: the device row is locked (batches of one device never interleave), the Ed25519
 * signature over the newest event is checked once, then every event gets its own verdict — one bad
 * event never fails the batch (STYLE.md errors §4):
 * - `duplicate`: the id is stored with the same hash (a retry);
 * - `conflict`: the id (or its chain position) is taken by different content — never overwritten,
 *   logged as a security event, the device flagged (DEV-05);
 * - `rejected` + code: `INVALID_EVENT` (not a valid punch per the contract), `HASH_MISMATCH` (content edited), `CHAIN_BROKEN` (not linked to the signed
 *   event after it, so the signature does not cover it: reordered, inserted or re-hashed),
 *   `UNKNOWN_EMPLOYEE` (not an employee of this device's org);
 * - `accepted`, possibly with review flags: a gap before it (`seq_gap`, e.g. batches out of order),
 *   a fork against stored events (`chain_broken`), device time in the future or before
 *   registration, an inactive or other-site employee, a PIN punch.
 *
 * Unlike sync-protocol's `verifyChain`, which walks strictly from the stored head, events are
 * linked against their stored neighbours, so batches that arrive out of order are all kept; the
 * device's head is the highest contiguous seq and moves forward as gaps fill.
 *
 * Speed (bench:sync): hashes and the signature are checked before the transaction opens. Inside
 * it, a batch that continues the chain past everything stored (the usual case) takes a fast path:
 * the device lock, one probe near the head (instead of looking up each event's id and neighbours)
 * and the employee lookup leave in one round trip, then the insert and the head update in another.
 * If that insert skips a row (an id stored elsewhere), the transaction is rolled back and the batch
 * goes through the general path, so both paths give the same acks.
 */
import { createPublicKey } from 'node:crypto';
import type {
  ParsedBatchEvent,
  TBatchAck,
  TEventAck,
  TEventBatch,
  TPunchEvent,
} from '@clockface/contracts/sync';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  findAttendanceEventsByIds,
  findEmployeesForPunches,
  findDeviceChainNearHead,
  insertDeviceTokenUse,
  insertKioskPunches,
  isDeviceTokenReplay,
  listDeviceChainAfter,
  listDeviceChainLinks,
  lockDeviceChainState,
  updateDeviceChainHead,
  type DeviceChainState,
  type DeviceRow,
  type KioskPunchRow,
} from '@clockface/db-hub/queries';
import { genesisHash, hashPunchEvent, verifyBatchSignature } from '@clockface/sync-protocol';
import type { Logger } from 'pino';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';

/** A punch this far past the hub's receive time (after offset correction) is flagged, ms. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
/** A device whose raw clock is this far ahead is flagged for review (DEV-07), ms. */
const DEVICE_FUTURE_FLAG_MS = 24 * 3_600_000;
/**
 * More accepted punches than this within one device-clock minute of one batch are flagged
 * `punch_burst` (DEV-07): a kiosk needs a few seconds per person, so this is a replay or a fault.
 */
const MAX_PUNCHES_PER_MINUTE = 30;
/** Head advancement reads stored links in chunks of this many rows. */
const HEAD_CHUNK = 2_000;

interface Link {
  id?: string;
  seq: number;
  hash: string | null;
  prevHash: string | null;
}

/** Runs work in a transaction scoped to the device's org (`c.var.orgScope`). */
export type OrgScope = <T>(work: (tx: Database) => Promise<T>) => Promise<T>;

export interface IngestContext {
  actor: Omit<ActorContext, 'actorUserId' | 'actorType'>;
  log: Logger;
}

/** A batch as `parseEventBatch` (contracts/sync) splits it: envelope, per-item verdicts, raw items. */
export interface ParsedEventBatch {
  batch: Omit<TEventBatch, 'events'>;
  events: ParsedBatchEvent[];
  /** The items as received; the newest one is what the signature covers, valid or not. */
  raw: unknown[];
}

/** The batch after the checks that need no database: contract, hashes, signature, chain links. */
interface CheckedBatch {
  /** Contract-valid events by position; undefined where the item was not a valid punch. */
  events: (TPunchEvent | undefined)[];
  isHashOk: boolean[];
  /** Covered by the signature: the newest event, or linked consecutively up to it. */
  isVouched: boolean[];
  valid: TPunchEvent[];
}

/**
 * The device token's id when the request records it in the ingest transaction (with-device-auth's
 * DeferredTokenUse): the batch then costs one commit. `isRecorded` is set once that has committed.
 */
export interface TokenUse {
  deviceId: string;
  jti: string;
  expiresAt: Date;
  isRecorded: boolean;
}

/** The fast path met a row it had not foreseen; the general path decides the batch instead. */
class FastPathMiss extends Error {}

/**
 * Stores a signed batch of one device's punches and answers one ack per event.
 *
 * @example
 * const ack = await ingestEventBatch(deps, c.var.orgScope, context, c.get('device'), parseBatch(body));
 */
export async function ingestEventBatch(
  deps: HubDeps,
  orgScope: OrgScope,
  context: IngestContext,
  authenticated: DeviceRow,
  parsed: ParsedEventBatch,
  tokenUse?: TokenUse,
): Promise<TBatchAck> {
  const checked = checkBatch(context, authenticated, parsed);
  let ack: TBatchAck;
  try {
    ack = await orgScope((tx) =>
      storeBatch(deps, tx, context, authenticated, parsed, checked, { mayTakeFastPath: true, tokenUse }),
    );
  } catch (error) {
    if (!(error instanceof FastPathMiss)) throw error;
    ack = await orgScope((tx) =>
      storeBatch(deps, tx, context, authenticated, parsed, checked, { mayTakeFastPath: false, tokenUse }),
    );
  }
  if (tokenUse) tokenUse.isRecorded = true;
  return ack;
}

/**
 * DEV-03 (a device speaks only for itself), the batch signature (once, over the newest event), each
 * event's hash, and which events the signature vouches for. The key and kid come from the row the
 * device token was verified against; they never change for a device.
 */
function checkBatch(context: IngestContext, device: DeviceRow, parsed: ParsedEventBatch): CheckedBatch {
  const { batch } = parsed;
  const events: (TPunchEvent | undefined)[] = parsed.events.map((item) =>
    item.isValid ? item.event : undefined,
  );
  const rawDeviceIds = parsed.raw.map((item) => (item as { deviceId?: unknown } | null)?.deviceId);
  // DEV-03: a device speaks only for itself; this is an attack or a bug, not a bad event.
  if (
    batch.deviceId !== device.id ||
    rawDeviceIds.some((deviceId) => typeof deviceId === 'string' && deviceId !== device.id)
  ) {
    throw new AppError('FORBIDDEN', { message: 'The batch carries events of another device' });
  }

  const publicKey = createPublicKey({ key: device.publicJwk, format: 'jwk' });
  const newest = parsed.raw.at(-1) as TPunchEvent;
  if (
    batch.signature.kid !== device.kid ||
    typeof newest !== 'object' ||
    newest === null ||
    !verifyBatchSignature({ ...batch, events: [newest] }, publicKey)
  ) {
    context.log.warn(
      { securityEvent: 'sync_batch_signature_invalid', deviceId: device.id, orgId: device.orgId },
      'batch signature does not verify',
    );
    throw new AppError('VALIDATION_FAILED', {
      message: "The batch signature does not verify with this device's registered key",
      issues: [{ path: 'signature', message: 'Invalid signature' }],
    });
  }

  const isHashOk = events.map((event) => event !== undefined && hashPunchEvent(event) === event.hash);
  // The signature covers the last event; each earlier one is covered only through an unbroken,
  // consecutive chain of verified links up to it.
  const isVouched = new Array<boolean>(events.length).fill(false);
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index];
    const next = events[index + 1];
    const isNewest = index === events.length - 1;
    isVouched[index] =
      event !== undefined &&
      isHashOk[index]! &&
      (isNewest ||
        (next !== undefined &&
          isVouched[index + 1]! &&
          next.prevHash === event.hash &&
          next.seq === event.seq + 1));
  }
  const valid = events.filter((event): event is TPunchEvent => event !== undefined);
  return { events, isHashOk, isVouched, valid };
}

async function storeBatch(
  deps: HubDeps,
  tx: Database,
  context: IngestContext,
  authenticated: DeviceRow,
  parsed: ParsedEventBatch,
  checked: CheckedBatch,
  options: { mayTakeFastPath: boolean; tokenUse: TokenUse | undefined },
): Promise<TBatchAck> {
  const { orgId } = authenticated;
  const { events, isHashOk, isVouched, valid } = checked;
  const deviceId = authenticated.id;
  const employeeIds = [...new Set(valid.map((event) => event.employeeId))];
  // One round trip: the lock of the device row (it serialises batches of one device, so the head
  // and the neighbour checks see a settled chain), what is stored near the head, and the employees.
  // Statements on one connection run in the order sent, so the probe runs once the lock is held.
  // The token id goes first: a replay (its unique key) fails the transaction before anything else.
  const { tokenUse } = options;
  const recordedToken = tokenUse
    ? insertDeviceTokenUse(tx, tokenUse).then(
        () => undefined,
        (error: unknown) => error,
      )
    : undefined;
  const reading = Promise.all([
    lockDeviceChainState(tx, { orgId, deviceId }).then((state) => state!),
    options.mayTakeFastPath ? findDeviceChainNearHead(tx, { orgId, deviceId }) : undefined,
    findEmployeesForPunches(tx, { orgId, ids: employeeIds }),
  ]);
  const tokenError = await recordedToken;
  if (tokenError !== undefined) {
    reading.catch(() => undefined); // failed with it: the transaction is aborted
    if (isDeviceTokenReplay(tokenError)) {
      throw new AppError('TOKEN_REPLAYED', { message: 'Device token rejected: jti already used' });
    }
    throw tokenError;
  }
  const [device, nearHead, employees] = await reading;
  const now = deps.clock.now();

  // The usual batch continues the chain past everything stored. Then the only stored link that can
  // touch it is the head's own event, and none of its ids can be a stored event of this device: the
  // probe near the head replaces the lookups of every id and neighbour. The row versions prove the
  // probe saw what the lock holder sees (a batch of this device in between would have changed it).
  const isBeyondStored =
    nearHead !== undefined &&
    nearHead.rowVersion === device.rowVersion &&
    valid.every((event) => event.seq > device.lastSeq) &&
    nearHead.links.every((link) => link.seq <= device.lastSeq);
  let existing: Awaited<ReturnType<typeof findAttendanceEventsByIds>> = [];
  let storedLinks: Link[] = nearHead?.links ?? [];
  if (!isBeyondStored) {
    // Sequential: one transaction is one connection.
    existing = await findAttendanceEventsByIds(tx, { orgId, ids: valid.map((event) => event.id) });
    storedLinks = (await listDeviceChainLinks(tx, {
      orgId,
      deviceId,
      seqs: [...new Set(valid.flatMap((event) => [event.seq - 1, event.seq, event.seq + 1]))],
    })) as Link[];
  }
  const existingById = new Map(existing.map((row) => [row.id, row]));
  const storedBySeq = new Map(storedLinks.map((row) => [row.seq, row]));
  const employeeById = new Map(employees.map((row) => [row.id, row]));
  /** Authentic links of this batch by seq (vouched), for neighbour checks and the head. */
  const batchLinks = new Map<number, Link>();
  events.forEach((event, index) => {
    if (event && isVouched[index]) batchLinks.set(event.seq, event);
  });

  const results: TEventAck[] = [];
  const rows: KioskPunchRow[] = [];
  const conflicts: { event: TPunchEvent; code: string; message: string }[] = [];
  const deviceFlags: string[] = [];
  const offsetMs = device.clockOffsetMs ?? 0;

  for (const [index, event] of events.entries()) {
    if (!event) {
      const item = parsed.events[index]!;
      // An item without a readable id cannot be acked; the kiosk validates before queueing, so it never sends one.
      if (!item.isValid && item.id) {
        results.push({
          id: item.id,
          status: 'rejected',
          code: 'INVALID_EVENT',
          message: item.message.slice(0, 500),
        });
      }
      continue;
    }
    const stored = existingById.get(event.id);
    if (stored) {
      if (stored.deviceId === device.id && stored.hash === event.hash && isHashOk[index]) {
        results.push({ id: event.id, status: 'duplicate' });
      } else {
        const message = 'This id is already stored with different content; the stored event stands';
        conflicts.push({ event, code: 'ID_CONFLICT', message });
        results.push({ id: event.id, status: 'conflict', code: 'ID_CONFLICT', message });
        // Not a link of this device's chain as the hub holds it (the stored event is, if anything).
        batchLinks.delete(event.seq);
      }
      continue;
    }
    if (!isHashOk[index]) {
      deviceFlags.push(`Event seq ${event.seq} does not match its hash`);
      results.push({
        id: event.id,
        status: 'rejected',
        code: 'HASH_MISMATCH',
        message: `Event ${event.seq} does not match its hash: it was modified`,
      });
      continue;
    }
    if (!isVouched[index]) {
      results.push({
        id: event.id,
        status: 'rejected',
        code: 'CHAIN_BROKEN',
        message: `Event ${event.seq} is not linked to the signed events after it, so the batch signature does not cover it`,
      });
      continue;
    }
    const holder = storedBySeq.get(event.seq);
    if (holder && holder.id !== event.id) {
      const message = `Seq ${event.seq} of this device is already held by another event`;
      conflicts.push({ event, code: 'SEQ_CONFLICT', message });
      results.push({ id: event.id, status: 'conflict', code: 'SEQ_CONFLICT', message });
      // The stored event holds this position; the head follows it.
      batchLinks.delete(event.seq);
      continue;
    }
    const employee = employeeById.get(event.employeeId);
    if (!employee) {
      results.push({
        id: event.id,
        status: 'rejected',
        code: 'UNKNOWN_EMPLOYEE',
        message: 'Not an employee of this organisation',
      });
      continue;
    }

    const flags: string[] = [];
    const predecessor =
      event.seq === 1
        ? { hash: genesisHash(device.id) }
        : (storedBySeq.get(event.seq - 1) ?? batchLinks.get(event.seq - 1));
    if (!predecessor) {
      flags.push('seq_gap');
      deviceFlags.push(`Gap before seq ${event.seq}`);
    } else if (predecessor.hash !== event.prevHash) {
      flags.push('chain_broken');
      deviceFlags.push(`Chain broken at seq ${event.seq}`);
    }
    const successor = storedBySeq.get(event.seq + 1);
    if (successor && successor.prevHash !== event.hash) {
      flags.push('chain_broken');
      deviceFlags.push(`Chain broken after seq ${event.seq}`);
    }
    const deviceTimeMs = Date.parse(event.deviceTime);
    const occurredAtMs = deviceTimeMs + offsetMs;
    if (occurredAtMs > now.getTime() + FUTURE_TOLERANCE_MS) flags.push('device_time_in_future');
    if (deviceTimeMs > now.getTime() + DEVICE_FUTURE_FLAG_MS) {
      deviceFlags.push(`Device time ${event.deviceTime} is more than 24 h ahead`);
    }
    if (occurredAtMs < device.registeredAt.getTime() - FUTURE_TOLERANCE_MS) {
      flags.push('device_time_before_registration');
    }
    if (employee.status !== 'active' || employee.deletedAt !== null) flags.push('employee_inactive');
    if (device.siteId && employee.homeSiteId && employee.homeSiteId !== device.siteId) {
      flags.push('employee_other_site');
    }
    // DEV-08: a PIN is low assurance (guessable offline from a stolen kiosk).
    if (event.method === 'pin') flags.push('pin_punch');

    rows.push({
      id: event.id,
      employeeId: event.employeeId,
      seq: event.seq,
      type: event.type,
      method: event.method,
      deviceTime: event.deviceTime,
      monotonicMs: event.monotonicMs,
      runId: event.runId,
      score: event.score,
      liveness: event.liveness,
      modelId: event.modelId,
      prevHash: event.prevHash,
      hash: event.hash,
      flags: [...new Set(flags)],
    });
    results.push({
      id: event.id,
      status: 'accepted',
      ...(flags.length > 0 ? { code: flags[0]!.toUpperCase() } : {}),
    });
  }

  const perMinute = new Map<number, KioskPunchRow[]>();
  for (const row of rows) {
    const minute = Math.floor(Date.parse(row.deviceTime) / 60_000);
    const sameMinute = perMinute.get(minute);
    if (sameMinute) sameMinute.push(row);
    else perMinute.set(minute, [row]);
  }
  for (const [minute, burst] of perMinute) {
    if (burst.length <= MAX_PUNCHES_PER_MINUTE) continue;
    for (const row of burst) row.flags.push('punch_burst');
    deviceFlags.push(
      `${burst.length} punches within the minute of ${new Date(minute * 60_000).toISOString()} (device clock)`,
    );
  }

  const insert = {
    orgId,
    deviceId,
    siteId: device.siteId,
    receivedAt: now,
    clockOffsetMs: offsetMs,
    punches: rows,
  };
  // The first reason is kept until an admin clears the flag.
  const flagReason = () => (deviceFlags.length > 0 ? deviceFlags[0]!.slice(0, 500) : null);

  if (isBeyondStored) {
    // Nothing conflicts before the insert here, and the rows after the batch are its own: the head
    // is known up front, so the insert and the head update leave together. A row the insert skips
    // (an id stored elsewhere) sends the whole batch through the general path instead.
    const head = await advanceHead(tx, device, batchLinks, { isNothingStoredBeyond: true });
    const [inserted] = await Promise.all([
      insertKioskPunches(tx, { ...insert, shouldReturnIds: false }),
      updateDeviceChainHead(tx, {
        orgId,
        deviceId,
        lastSeq: head.seq,
        lastHash: head.hash,
        lastSeenAt: now,
        flagReason: flagReason(),
      }),
    ]);
    if (inserted.count !== rows.length) throw new FastPathMiss();
    return { results, head, serverTime: now.toISOString() };
  }

  const inserted = await insertKioskPunches(tx, { ...insert, shouldReturnIds: true });
  // Skipped by ON CONFLICT although not seen above: the id exists in another organisation.
  if (inserted.count !== rows.length) {
    const resultById = new Map(results.map((result) => [result.id, result]));
    const eventById = new Map(valid.map((event) => [event.id, event]));
    for (const row of rows) {
      if (inserted.ids!.has(row.id)) continue;
      const result = resultById.get(row.id)!;
      result.status = 'conflict';
      result.code = 'ID_CONFLICT';
      result.message = 'This id is already taken';
      batchLinks.delete(row.seq);
      conflicts.push({ event: eventById.get(row.id)!, code: 'ID_CONFLICT', message: result.message });
    }
  }

  for (const conflict of conflicts) {
    deviceFlags.push(`Conflicting event ${conflict.event.id} (${conflict.code})`);
    context.log.warn(
      {
        securityEvent: 'sync_event_conflict',
        orgId,
        deviceId: device.id,
        eventId: conflict.event.id,
        seq: conflict.event.seq,
        code: conflict.code,
      },
      'event conflicts with a stored one',
    );
    await recordAudit(
      tx,
      { ...context.actor, actorUserId: null, actorType: 'device' },
      {
        orgId,
        action: 'device.event_conflict',
        entityType: 'attendance_event',
        entityId: conflict.event.id,
        after: {
          deviceId: device.id,
          seq: conflict.event.seq,
          code: conflict.code,
          received: conflict.event,
        },
      },
    );
  }

  const head = await advanceHead(tx, device, batchLinks, { isNothingStoredBeyond: false });
  await updateDeviceChainHead(tx, {
    orgId,
    deviceId,
    lastSeq: head.seq,
    lastHash: head.hash,
    lastSeenAt: now,
    flagReason: flagReason(),
  });
  return { results, head, serverTime: now.toISOString() };
}

/**
 * Moves the device's head over every consecutive, correctly linked event the hub now knows: this
 * batch's authentic ones (even those rejected for an unknown employee, so one such event does not
 * stall the head for ever) and stored ones (earlier out-of-order arrivals), read from the database
 * only where the batch has no link — in the usual in-order case none at all.
 */
async function advanceHead(
  tx: Database,
  device: DeviceChainState,
  batchLinks: Map<number, Link>,
  options: { isNothingStoredBeyond: boolean },
) {
  let head = { seq: device.lastSeq, hash: device.lastHash ?? genesisHash(device.id) };
  let stored = new Map<number, Link>();
  /** The highest seq the fetched chunk is complete up to. */
  let storedUntil = -1;
  for (;;) {
    const seq = head.seq + 1;
    let next = batchLinks.get(seq);
    if (!next) {
      if (options.isNothingStoredBeyond) return head;
      if (seq > storedUntil) {
        const rows = await listDeviceChainAfter(tx, {
          orgId: device.orgId,
          deviceId: device.id,
          afterSeq: head.seq,
          limit: HEAD_CHUNK,
        });
        stored = new Map(rows.map((row) => [row.seq, row]));
        storedUntil = rows.length < HEAD_CHUNK ? Number.MAX_SAFE_INTEGER : rows.at(-1)!.seq;
      }
      next = stored.get(seq);
    }
    if (!next || next.prevHash !== head.hash || !next.hash) return head;
    head = { seq, hash: next.hash };
  }
}
