/**
 * The per-device SHA-256 hash chain over punch events.
 *
 * hash(e)    = SHA-256("clockface.punch.v1\n" + canonicalize(e without `hash`))   (hex)
 * genesis(d) = SHA-256("clockface.chain.v1\n" + deviceId)                         (hex)
 * e[1].prevHash = genesis(deviceId); e[n].prevHash = e[n-1].hash; seq = 1, 2, 3, …
 *
 * Because prevHash is inside what is hashed, one Ed25519 signature over the newest hash vouches for
 * every event before it (see signature.ts).
 */
import { hash as digest } from 'node:crypto';
import type { TPunchEvent } from '@clockface/contracts/sync';
import { canonicalize } from './canonical';

const PUNCH_DOMAIN = 'clockface.punch.v1\n';
const CHAIN_DOMAIN = 'clockface.chain.v1\n';

/** A position in a device's chain: the last verified event (or seq 0 and the genesis hash). */
export interface ChainHead {
  seq: number;
  hash: string;
}

export type UnhashedPunchEvent = Omit<TPunchEvent, 'hash'>;

export function genesisHash(deviceId: string): string {
  return digest('sha256', CHAIN_DOMAIN + deviceId, 'hex');
}

/** The head of a device chain that has no events yet. */
export function genesisHead(deviceId: string): ChainHead {
  return { seq: 0, hash: genesisHash(deviceId) };
}

/** The fields a punch is hashed over, in canonical (UTF-16 code unit) order. */
const PUNCH_KEYS = [
  'deviceId',
  'deviceTime',
  'employeeId',
  'id',
  'liveness',
  'method',
  'modelId',
  'monotonicMs',
  'prevHash',
  'runId',
  'score',
  'seq',
  'type',
] as const;
const QUOTED_PUNCH_KEYS = PUNCH_KEYS.map((key) => `${JSON.stringify(key)}:`);

/** True when the event has exactly the wire fields (plus `hash`), as every schema-checked event does. */
function hasPunchShape(event: object): boolean {
  const keyCount = Object.keys(event).length - (Object.hasOwn(event, 'hash') ? 1 : 0);
  return keyCount === PUNCH_KEYS.length && PUNCH_KEYS.every((key) => Object.hasOwn(event, key));
}

/**
 * The canonical bytes that are hashed for an event (everything but `hash`). The hub hashes every
 * event it ingests, so an event of the known shape is written out in the fixed key order without
 * copying and sorting; anything else goes through `canonicalize`. Both give the same bytes.
 */
export function encodePunchEvent(event: UnhashedPunchEvent | TPunchEvent): string {
  if (!hasPunchShape(event)) {
    const { hash: _hash, ...rest } = event as TPunchEvent;
    return canonicalize(rest);
  }
  const record = event as unknown as Record<string, unknown>;
  let out = '{';
  for (let index = 0; index < PUNCH_KEYS.length; index += 1) {
    const value = record[PUNCH_KEYS[index]!];
    if (value === undefined) continue;
    if (out.length > 1) out += ',';
    out += QUOTED_PUNCH_KEYS[index]! + encodeMember(value);
  }
  return `${out}}`;
}

/**
 * Strings JSON writes as they are, between quotes: U+0020 and up without `"`, `\\` or surrogates
 * (JSON escapes controls, quote and backslash; lone surrogates too, so all are left to it).
 */
const VERBATIM_STRING = /^[ !#-[\]-\ud7ff\ue000-\uffff]*$/;

/**
 * One member value, the bytes `canonicalize` writes for it; wire strings (uuids, hashes, instants)
 * need no escaping, so they skip JSON.stringify (bench:sync: encoding was half of hashing).
 */
function encodeMember(value: unknown): string {
  if (typeof value === 'string') return VERBATIM_STRING.test(value) ? `"${value}"` : JSON.stringify(value);
  // Number#toString is what JSON.stringify writes for a finite number (-0 included).
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === null) return 'null';
  return canonicalize(value);
}

/** One-shot `crypto.hash`: about twice as fast as createHash for inputs this small (the hub hashes every event). */
export function hashPunchEvent(event: UnhashedPunchEvent | TPunchEvent): string {
  return digest('sha256', PUNCH_DOMAIN + encodePunchEvent(event), 'hex');
}

/**
 * Why an event does not extend the chain:
 * - `DEVICE_MISMATCH`: the event names another device.
 * - `HASH_MISMATCH`: its content is not what its `hash` covers (an edit). The head does not move.
 * - `SEQ_DUPLICATE`: seq at or below the head (a replay or a reorder); check the id for a duplicate.
 * - `SEQ_GAP`: seq skips ahead; its link cannot be checked. It becomes the new head (flag the device).
 * - `CHAIN_BROKEN`: right seq but `prevHash` is not the head's hash (a removal, an insert or a
 *   re-hashed edit before it). It becomes the new head (flag the device).
 */
export type ChainIssueCode =
  'DEVICE_MISMATCH' | 'HASH_MISMATCH' | 'SEQ_DUPLICATE' | 'SEQ_GAP' | 'CHAIN_BROKEN';

export type ChainEventResult =
  | { id: string; seq: number; status: 'linked' }
  | { id: string; seq: number; status: 'issue'; code: ChainIssueCode; message: string };

export interface ChainVerification {
  /** The head after these events; pass it as `head` for the next batch. */
  head: ChainHead;
  results: ChainEventResult[];
  /** True when every event linked. */
  isIntact: boolean;
}

/**
 * Verifies events against the last known head of the device's chain, one result per event, in
 * input order. Verifying a chain in one call or split into batches (passing `head` along) gives
 * the same results: the only state is the head.
 *
 * @example
 * const { results, head } = verifyChain(batch.events, { deviceId, head: storedHead ?? genesisHead(deviceId) });
 */
export function verifyChain(
  events: readonly TPunchEvent[],
  options: { deviceId: string; head: ChainHead },
): ChainVerification {
  let head = options.head;
  const results: ChainEventResult[] = [];
  for (const event of events) {
    const issue = (code: ChainIssueCode, message: string): void => {
      results.push({ id: event.id, seq: event.seq, status: 'issue', code, message });
    };
    if (event.deviceId !== options.deviceId) {
      issue('DEVICE_MISMATCH', `Expected device ${options.deviceId}, got ${event.deviceId}`);
      continue;
    }
    if (hashPunchEvent(event) !== event.hash) {
      issue('HASH_MISMATCH', `Event ${event.seq} does not match its hash: it was modified`);
      continue;
    }
    if (event.seq <= head.seq) {
      issue('SEQ_DUPLICATE', `Expected seq ${head.seq + 1}, got ${event.seq} (already at or past it)`);
      continue;
    }
    if (event.seq > head.seq + 1) {
      issue(
        'SEQ_GAP',
        `Expected seq ${head.seq + 1}, got ${event.seq}: events ${head.seq + 1}–${event.seq - 1} missing`,
      );
    } else if (event.prevHash !== head.hash) {
      issue('CHAIN_BROKEN', `Event ${event.seq} does not link to event ${head.seq}: prevHash differs`);
    } else {
      results.push({ id: event.id, seq: event.seq, status: 'linked' });
    }
    head = { seq: event.seq, hash: event.hash };
  }
  return { head, results, isIntact: results.every((result) => result.status === 'linked') };
}

/**
 * Extends the chain by one event: seq = head.seq + 1, prevHash = head.hash, hash computed.
 * The kiosk calls it inside the transaction that inserts the punch, so seq and links never fork.
 */
export function appendToChain(
  head: ChainHead,
  fields: Omit<UnhashedPunchEvent, 'seq' | 'prevHash'>,
): TPunchEvent {
  const unhashed: UnhashedPunchEvent = { ...fields, seq: head.seq + 1, prevHash: head.hash };
  return { ...unhashed, hash: hashPunchEvent(unhashed) };
}
