/**
 * @module The kiosk ↔ hub sync wire format (zod): punches up, acks and roster deltas down.
 *
 * Versioning: these schemas only ever gain OPTIONAL fields, because kiosks in the field update
 * at different times and the hub must accept the oldest one still out there.
 *
 * Strictness by direction (decided here, see packages/sync-protocol/README.md):
 * - Uplink (kiosk → hub: punches, batches, heartbeats, registration) is `.strict()`: the hub rejects
 *   unknown keys, so nothing (a template, a photo, a private key `d`) rides along unnoticed (BIO-04, DEV-02).
 *   The hub is always upgraded before the kiosks, so it knows every field a kiosk can send.
 * - Downlink (hub → kiosk: acks, roster deltas, settings) strips unknown keys instead: an old kiosk
 *   must keep working when a newer hub adds an optional field it does not know yet.
 */
import { z } from 'zod';

/** Wire protocol version; bumped only with a new optional capability, never a breaking change. */
export const SYNC_PROTOCOL_VERSION = 1;

/** Largest batch the hub accepts (DEV-07); the kiosk's default batch size. */
export const MAX_EVENTS_PER_BATCH = 500;
/** Request body cap for a batch on the hub (DEV-07): 500 events of about 600 bytes fit with room. */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** Largest template dimension accepted from the hub (current models use 128–512). */
export const MAX_TEMPLATE_DIMENSION = 2048;
/** Items per roster delta page; the kiosk pulls again while `hasMore` is true. */
export const MAX_ROSTER_ITEMS = 1000;

export const SYNC_PATHS = {
  register: '/api/devices/register',
  events: '/api/sync/events',
  roster: '/api/sync/roster',
  heartbeat: '/api/sync/heartbeat',
  settings: '/api/sync/settings',
} as const;

/** JWT `typ` of device tokens; user tokens use `at+jwt`, so neither can stand in for the other (JWT-02). */
export const DEVICE_TOKEN_TYPE = 'kiosk+jwt';

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const MODEL_ID_PATTERN = /^[A-Za-z0-9._:@-]+$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const zUuid = z.uuid();
const zHash = z.string().regex(HEX_SHA256, 'Expected 64 lowercase hex characters (SHA-256)');
/** UTC instant with milliseconds, e.g. 2026-11-22T08:59:00.000Z. */
const zInstant = z.iso.datetime({ precision: 3 });
/** A 0..1 score with at most 4 decimals, so it survives any float8 round trip and re-hashes identically. */
const zUnitScore = z
  .number()
  .min(0)
  .max(1)
  .refine((value) => Math.round(value * 10_000) / 10_000 === value, 'Expected at most 4 decimals');
const zModelId = z.string().min(1).max(64).regex(MODEL_ID_PATTERN, 'Expected a model id like arcface-r100@1');

export const ZPunchType = z.enum(['clock_in', 'clock_out', 'break_start', 'break_end']);
export type TPunchType = z.infer<typeof ZPunchType>;

export const ZPunchMethod = z.enum(['face', 'pin', 'admin']);
export type TPunchMethod = z.infer<typeof ZPunchMethod>;

/**
 * One punch as the kiosk recorded it. `hash` = SHA-256 over the canonical encoding of every other
 * field (packages/sync-protocol `hashPunchEvent`), and `prevHash` links it to the device's previous
 * punch, so a gap, an edit or a reorder is detectable.
 */
export const ZPunchEvent = z
  .strictObject({
    /** UUIDv7 made on the kiosk; the idempotency key of the whole pipeline. */
    id: zUuid,
    /** Must equal the device the token was verified for (DEV-03); bound into the chain's genesis too. */
    deviceId: zUuid,
    /** Per-device sequence, 1, 2, 3, … without gaps. */
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    employeeId: zUuid,
    type: ZPunchType,
    method: ZPunchMethod,
    /** Device wall-clock time of the punch (UTC). The hub records its receive time beside it. */
    deviceTime: zInstant,
    /** Monotonic clock in ms; only comparable between events with the same `runId`. */
    monotonicMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    /** A fresh UUID per agent start: lets the hub spot wall-clock jumps within one run. */
    runId: zUuid,
    /** Match score (face) or null (pin, admin). */
    score: zUnitScore.nullable(),
    /** Liveness/anti-spoof score (face) or null. */
    liveness: zUnitScore.nullable(),
    /** Model that produced `score` (face) or null. */
    modelId: zModelId.nullable(),
    prevHash: zHash,
    hash: zHash,
  })
  .superRefine((event, context) => {
    // BIO-06: a face punch without match evidence cannot be reviewed, so it is not accepted.
    if (
      event.method === 'face' &&
      (event.score === null || event.liveness === null || event.modelId === null)
    ) {
      context.addIssue({
        code: 'custom',
        message: 'A face punch needs score, liveness and modelId',
        path: ['score'],
      });
    }
  });
export type TPunchEvent = z.infer<typeof ZPunchEvent>;

/** Ed25519 signature over the newest event's hash in the batch; it vouches for every event before it. */
export const ZBatchSignature = z.strictObject({
  alg: z.literal('Ed25519'),
  /** RFC 7638 thumbprint of the device's public JWK (the same `kid` its JWTs carry). */
  kid: z.string().min(1).max(128).regex(BASE64URL),
  /** Sequence and hash of the event the signature covers (the batch's last event). */
  seq: z.number().int().min(1),
  hash: zHash,
  /** 64-byte Ed25519 signature, base64url without padding (86 characters). */
  sig: z.string().length(86).regex(BASE64URL),
});
export type TBatchSignature = z.infer<typeof ZBatchSignature>;

export const ZEventBatch = z.strictObject({
  protocolVersion: z.number().int().min(1),
  deviceId: zUuid,
  /** Ascending by `seq`; consecutive within the batch. */
  events: z.array(ZPunchEvent).min(1).max(MAX_EVENTS_PER_BATCH),
  signature: ZBatchSignature,
});
export type TEventBatch = z.infer<typeof ZEventBatch>;

const ZEventBatchEnvelope = z.strictObject({
  protocolVersion: z.number().int().min(1),
  deviceId: zUuid,
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
  signature: ZBatchSignature,
});

/** The schema's own patterns, so the hand-written check below tests exactly what zod tests. */
const UUID_PATTERN = zUuid._zod.def.pattern;
const INSTANT_PATTERN = zInstant._zod.def.pattern;
const PUNCH_EVENT_KEYS = Object.keys(ZPunchEvent.shape);
const PUNCH_TYPES: ReadonlySet<unknown> = new Set(ZPunchType.options);
const PUNCH_METHODS: ReadonlySet<unknown> = new Set(ZPunchMethod.options);

const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID_PATTERN !== undefined && UUID_PATTERN.test(value);
const isHash = (value: unknown): value is string => typeof value === 'string' && HEX_SHA256.test(value);
const isUnitScore = (value: unknown): value is number =>
  typeof value === 'number' && value >= 0 && value <= 1 && Math.round(value * 10_000) / 10_000 === value;
const isModelId = (value: unknown): value is string =>
  typeof value === 'string' && value.length >= 1 && value.length <= 64 && MODEL_ID_PATTERN.test(value);

/**
 * `ZPunchEvent.safeParse` for the hub's hot path (bench:sync: zod was about 3 ms of a 500-event
 * batch): the same checks written out, using the schema's own uuid and datetime patterns. It
 * returns the event zod would return (a fresh object, keys in schema order) or undefined, and then
 * the caller asks zod, for the verdict and its message. It must never accept what zod refuses;
 * sync.test.ts compares the two on valid events and on every field replaced by wrong values.
 */
export function readPunchEventFast(input: unknown): TPunchEvent | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  if (Object.keys(input).length !== PUNCH_EVENT_KEYS.length) return undefined;
  for (const key of PUNCH_EVENT_KEYS) if (!Object.hasOwn(input, key)) return undefined;
  // Exactly the schema's keys, all own (none unknown: strict), each checked below.
  const item = input as Record<string, unknown>;
  const { id, deviceId, seq, employeeId, type, method, deviceTime, monotonicMs, runId } = item;
  const { score, liveness, modelId, prevHash, hash } = item;
  if (
    !isUuid(id) ||
    !isUuid(deviceId) ||
    !(typeof seq === 'number' && Number.isSafeInteger(seq) && seq >= 1) ||
    !isUuid(employeeId) ||
    !PUNCH_TYPES.has(type) ||
    !PUNCH_METHODS.has(method) ||
    !(typeof deviceTime === 'string' && INSTANT_PATTERN !== undefined && INSTANT_PATTERN.test(deviceTime)) ||
    !(typeof monotonicMs === 'number' && Number.isSafeInteger(monotonicMs) && monotonicMs >= 0) ||
    !isUuid(runId) ||
    !(score === null || isUnitScore(score)) ||
    !(liveness === null || isUnitScore(liveness)) ||
    !(modelId === null || isModelId(modelId)) ||
    !isHash(prevHash) ||
    !isHash(hash) ||
    (method === 'face' && (score === null || liveness === null || modelId === null))
  ) {
    return undefined;
  }
  return {
    id,
    deviceId,
    seq,
    employeeId,
    type: type as TPunchType,
    method: method as TPunchMethod,
    deviceTime,
    monotonicMs,
    runId,
    score,
    liveness,
    modelId,
    prevHash,
    hash,
  };
}

export type ParsedBatchEvent =
  | { index: number; isValid: true; event: TPunchEvent }
  /** `id` when the item carries a readable one, so the hub can ack it as `rejected`. */
  | { index: number; isValid: false; id: string | undefined; message: string };

/**
 * Parses a batch event by event, so one malformed event is rejected on its own (per-event ack) and
 * never fails, and so blocks, the whole batch. Throws the ZodError only for a bad envelope.
 *
 * @example
 * const { batch, events } = parseEventBatch(await c.req.json());
 * for (const item of events) if (!item.isValid) acks.push({ id: item.id, status: 'rejected', code: 'INVALID_EVENT' });
 */
export function parseEventBatch(input: unknown): {
  batch: Omit<TEventBatch, 'events'>;
  events: ParsedBatchEvent[];
} {
  const { events, ...batch } = ZEventBatchEnvelope.parse(input);
  return {
    batch,
    events: events.map((item, index) => {
      const event = readPunchEventFast(item);
      if (event) return { index, isValid: true, event };
      const result = ZPunchEvent.safeParse(item);
      if (result.success) return { index, isValid: true, event: result.data };
      const rawId = (item as { id?: unknown } | null)?.id;
      return {
        index,
        isValid: false,
        id: typeof rawId === 'string' && zUuid.safeParse(rawId).success ? rawId : undefined,
        message: z.prettifyError(result.error),
      };
    }),
  };
}

export const ZEventAckStatus = z.enum(['accepted', 'duplicate', 'rejected', 'conflict']);
export type TEventAckStatus = z.infer<typeof ZEventAckStatus>;

/**
 * Per-event outcome. `accepted` and `duplicate` both mean "stored, stop sending it".
 * `rejected` (a bad event; `code` says why) and `conflict` (the id exists with different content,
 * DEV-05) are kept on the kiosk with the reason and surfaced in `status`; they are not resent.
 */
export const ZEventAck = z.object({
  id: zUuid,
  status: ZEventAckStatus,
  code: z.string().max(64).optional(),
  message: z.string().max(500).optional(),
});
export type TEventAck = z.infer<typeof ZEventAck>;

export const ZBatchAck = z.object({
  results: z.array(ZEventAck).max(MAX_EVENTS_PER_BATCH),
  /** The hub's head of this device's chain after the batch (highest contiguous seq it holds). */
  head: z.object({ seq: z.number().int().min(0), hash: zHash }).optional(),
  serverTime: zInstant,
});
export type TBatchAck = z.infer<typeof ZBatchAck>;

/** Thresholds and behaviour the admin sets in the console; data pushed by the hub, never env. */
export const ZKioskSettings = z.object({
  recognition: z.object({
    modelId: zModelId,
    /** Minimum cosine similarity to accept a match. */
    matchThreshold: z.number().min(0).max(1),
    /** Minimum lead of the best match over the runner-up. */
    margin: z.number().min(0).max(1),
    /** The same identity over this many consecutive frames before a punch is proposed. */
    consecutiveFrames: z.number().int().min(1).max(30),
  }),
  /** The same employee within this window gets "already clocked in at 08:59", not a second punch. */
  duplicateWindowSeconds: z.number().int().min(0).max(3600),
  /** Presentation-attack detection: off, warn (punch but flag), block (no punch). */
  padMode: z.enum(['off', 'warn', 'block']),
  /** Liveness score below which PAD warns or blocks. */
  padThreshold: z.number().min(0).max(1).optional(),
  /** IANA zone used to show times on the kiosk ("already clocked in at 08:59"). */
  timeZone: z.string().min(1).max(64).optional(),
  /** Events per push; capped by MAX_EVENTS_PER_BATCH. */
  batchSize: z.number().int().min(1).max(MAX_EVENTS_PER_BATCH).optional(),
});
export type TKioskSettings = z.infer<typeof ZKioskSettings>;

/** What a kiosk uses before the hub has pushed any settings. */
export const DEFAULT_KIOSK_SETTINGS: TKioskSettings = {
  recognition: { modelId: 'unset', matchThreshold: 0.5, margin: 0.05, consecutiveFrames: 3 },
  duplicateWindowSeconds: 60,
  padMode: 'warn',
};

export const ZRosterEmployee = z.object({
  id: zUuid,
  /** The employee number typed on the keypad. */
  code: z.string().min(1).max(32),
  displayName: z.string().min(1).max(200),
  isActive: z.boolean(),
});
export type TRosterEmployee = z.infer<typeof ZRosterEmployee>;

export const ZRosterPinHash = z.object({
  employeeId: zUuid,
  /** argon2id PHC string with a per-employee salt, e.g. `$argon2id$v=19$m=19456,t=2,p=1$…`. */
  hash: z
    .string()
    .max(256)
    .regex(
      /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
      'Expected an argon2id PHC string',
    ),
});
export type TRosterPinHash = z.infer<typeof ZRosterPinHash>;

/**
 * A face template. In transit it is PLAIN (float32 little-endian, base64) inside TLS: the hub's
 * at-rest key never leaves the hub, and the kiosk re-encrypts on arrival with its own data key
 * (AES-256-GCM, AAD orgId|employeeId|modelId|version). Encrypting for transit too would need a
 * per-device key exchange and gain nothing against anyone who can already read TLS and the kiosk.
 */
export const ZRosterTemplate = z
  .object({
    id: zUuid,
    employeeId: zUuid,
    modelId: zModelId,
    dimension: z.number().int().min(1).max(MAX_TEMPLATE_DIMENSION),
    /** Bumped on re-enrollment; part of the AAD, so an old ciphertext cannot stand in for a new one. */
    version: z.number().int().min(1),
    embedding: z
      .string()
      // base64 of dimension × 4 bytes: 4 characters per 3 bytes (faceres templates are 1024-d).
      .max(4 * Math.ceil((MAX_TEMPLATE_DIMENSION * 4) / 3))
      .regex(BASE64),
  })
  .superRefine((template, context) => {
    // atob, not Buffer: contracts also run in the browser (console).
    const binary = atob(template.embedding);
    if (binary.length !== template.dimension * 4) {
      context.addIssue({
        code: 'custom',
        path: ['embedding'],
        message: `Expected ${template.dimension * 4} bytes (dimension × float32), got ${binary.length}`,
      });
      return;
    }
    const view = new DataView(Uint8Array.from(binary, (char) => char.charCodeAt(0)).buffer);
    for (let offset = 0; offset < binary.length; offset += 4) {
      if (!Number.isFinite(view.getFloat32(offset, true))) {
        context.addIssue({ code: 'custom', path: ['embedding'], message: 'Expected finite float32 values' });
        return;
      }
    }
  });
export type TRosterTemplate = z.infer<typeof ZRosterTemplate>;

/** A deletion (termination, consent withdrawn, re-enrollment); the kiosk deletes the row at once. */
export const ZRosterTombstone = z.object({
  kind: z.enum(['employee', 'pin', 'template']),
  /** Employee id for `employee` and `pin`; template id for `template`. */
  id: zUuid,
});
export type TRosterTombstone = z.infer<typeof ZRosterTombstone>;

export const ZRosterDelta = z.object({
  /** Opaque; the kiosk sends it back unchanged to get the next delta. */
  cursor: z.string().min(1).max(256),
  hasMore: z.boolean(),
  serverTime: zInstant,
  employees: z.array(ZRosterEmployee).max(MAX_ROSTER_ITEMS),
  pinHashes: z.array(ZRosterPinHash).max(MAX_ROSTER_ITEMS),
  templates: z.array(ZRosterTemplate).max(MAX_ROSTER_ITEMS),
  tombstones: z.array(ZRosterTombstone).max(MAX_ROSTER_ITEMS),
  settings: ZKioskSettings.optional(),
});
export type TRosterDelta = z.infer<typeof ZRosterDelta>;

const ZRosterDeltaEnvelope = z.object({
  cursor: z.string().min(1).max(256),
  hasMore: z.boolean(),
  serverTime: zInstant,
  employees: z.array(z.unknown()).max(MAX_ROSTER_ITEMS),
  pinHashes: z.array(z.unknown()).max(MAX_ROSTER_ITEMS),
  templates: z.array(z.unknown()).max(MAX_ROSTER_ITEMS),
  tombstones: z.array(z.unknown()).max(MAX_ROSTER_ITEMS),
  settings: z.unknown().optional(),
});

export interface RosterItemRejection {
  list: 'employees' | 'pinHashes' | 'templates' | 'tombstones' | 'settings';
  index: number;
  message: string;
}

/**
 * Parses a roster delta item by item: a bad template (wrong dimension, NaN, too big) is dropped and
 * reported while the rest of the delta still applies (DEV-07). Throws the ZodError only when the
 * envelope itself (cursor, list sizes) is wrong.
 */
export function parseRosterDelta(input: unknown): { delta: TRosterDelta; rejected: RosterItemRejection[] } {
  const envelope = ZRosterDeltaEnvelope.parse(input);
  const rejected: RosterItemRejection[] = [];
  function keep<T>(list: RosterItemRejection['list'], items: unknown[], schema: z.ZodType<T>): T[] {
    const kept: T[] = [];
    items.forEach((item, index) => {
      const result = schema.safeParse(item);
      if (result.success) kept.push(result.data);
      else rejected.push({ list, index, message: z.prettifyError(result.error) });
    });
    return kept;
  }
  let settings: TKioskSettings | undefined;
  if (envelope.settings !== undefined) {
    const result = ZKioskSettings.safeParse(envelope.settings);
    if (result.success) settings = result.data;
    else rejected.push({ list: 'settings', index: 0, message: z.prettifyError(result.error) });
  }
  return {
    delta: {
      cursor: envelope.cursor,
      hasMore: envelope.hasMore,
      serverTime: envelope.serverTime,
      employees: keep('employees', envelope.employees, ZRosterEmployee),
      pinHashes: keep('pinHashes', envelope.pinHashes, ZRosterPinHash),
      templates: keep('templates', envelope.templates, ZRosterTemplate),
      tombstones: keep('tombstones', envelope.tombstones, ZRosterTombstone),
      ...(settings ? { settings } : {}),
    },
    rejected,
  };
}

export const ZSecurityEvent = z.strictObject({
  id: zUuid,
  /** e.g. `pin_locked`, `crypt_decrypt_fail`, `roster_item_rejected`. */
  kind: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_]+$/),
  occurredAt: zInstant,
  employeeId: zUuid.nullable(),
  details: z
    .record(z.string().max(64), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
    .optional(),
});
export type TSecurityEvent = z.infer<typeof ZSecurityEvent>;

export const ZHeartbeat = z.strictObject({
  protocolVersion: z.number().int().min(1),
  appVersion: z.string().min(1).max(64),
  /** The face model the kiosk runs, or null on a keypad-only device. */
  modelId: zModelId.nullable(),
  /** Punches not yet acknowledged by the hub. */
  queueDepth: z.number().int().min(0),
  oldestPendingAt: zInstant.nullable(),
  lastSyncAt: zInstant.nullable(),
  lastError: z.strictObject({ code: z.string().max(64), message: z.string().max(500) }).nullable(),
  /** Device wall clock when sent; the hub compares it with its own to measure skew. */
  deviceTime: zInstant,
  /** Offset the kiosk measured from the hub's `Date` header (hub − device, ms). */
  clockOffsetMs: z.number().int().optional(),
  securityEvents: z.array(ZSecurityEvent).max(100).optional(),
});
export type THeartbeat = z.infer<typeof ZHeartbeat>;

/**
 * The hub's answer to a heartbeat (downlink, strips unknown keys): its time, the clock offset it
 * measured (hub − device, ms) and the kiosk settings as they are now, which the kiosk stores.
 * `settings` is not parsed here: a kiosk checks it on its own and keeps its settings if it is bad.
 */
export const ZHeartbeatAck = z.object({
  serverTime: zInstant,
  clockOffsetMs: z.number().int(),
  settings: z.unknown().optional(),
});
export type THeartbeatAck = z.infer<typeof ZHeartbeatAck>;

/** Public Ed25519 JWK, nothing else: a `d` (private part) or any other key type is refused (DEV-02). */
export const ZDevicePublicJwk = z.strictObject({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  /** 32 bytes, base64url without padding. */
  x: z.string().length(43).regex(BASE64URL),
});
export type TDevicePublicJwk = z.infer<typeof ZDevicePublicJwk>;

export const ZDeviceRegistration = z.strictObject({
  /** The enrollment token an admin created (≥ 128 random bits, base64url). */
  enrollmentToken: z.string().min(22).max(256),
  name: z.string().trim().min(1).max(100),
  publicJwk: ZDevicePublicJwk,
  appVersion: z.string().min(1).max(64),
  protocolVersion: z.number().int().min(1),
});
export type TDeviceRegistration = z.infer<typeof ZDeviceRegistration>;

export const ZDeviceRegistrationResult = z.object({
  deviceId: zUuid,
  orgId: zUuid,
  siteId: zUuid.nullable(),
  /** RFC 7638 thumbprint of the registered key; the `kid` of every device JWT. */
  kid: z.string().min(1).max(128),
  /** The `aud` every device JWT must carry. */
  audience: z.string().min(1).max(256),
  serverTime: zInstant,
  settings: ZKioskSettings.optional(),
});
export type TDeviceRegistrationResult = z.infer<typeof ZDeviceRegistrationResult>;
