/**
 * @module What a kiosk pulls and reports: roster deltas (employees, PIN hashes, tombstones), kiosk
 * settings, heartbeats. The device always comes from the verified token (DEV-03).
 */
import {
  DEFAULT_KIOSK_SETTINGS,
  MAX_ROSTER_ITEMS,
  type THeartbeat,
  type TKioskSettings,
  type TRosterDelta,
} from '@clockface/contracts/sync';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  currentSnapshotXmin,
  findOrganization,
  findSite,
  listRosterChanges,
  purgeDeviceTokenUses,
  updateDevice,
  type DeviceRow,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';
import { addRosterTemplates, withOrgFaceSettings } from './faces.roster';

/** A device whose clock is off by more than this (ms) is flagged for review; its punches are corrected either way. */
export const CLOCK_SKEW_FLAG_MS = 30_000;
const INT32_MAX = 2_147_483_647;

/** Settings pushed to a kiosk: the defaults, in its site's time zone (or the org's), with the org's face model and attack check. */
export async function kioskSettingsFor(tx: Database, device: DeviceRow): Promise<TKioskSettings> {
  const site = device.siteId
    ? await findSite(tx, { orgId: device.orgId, siteId: device.siteId, includeDeleted: true })
    : undefined;
  const organization = await findOrganization(tx, { orgId: device.orgId });
  const timeZone = site?.timeZone ?? organization?.timeZone ?? undefined;
  return withOrgFaceSettings({ ...DEFAULT_KIOSK_SETTINGS, ...(timeZone ? { timeZone } : {}) }, organization);
}

/**
 * The roster cursor, opaque to the kiosk (base64url JSON), bound to the device it was issued to:
 * - `l`: changes by transactions with an id ≥ l are (re)sent; 0 on the first sync, which sends only
 *   the live roster and no tombstones;
 * - `m`: the smallest snapshot xmin seen during the current round of pages (becomes the next `l`);
 * - `a`: keyset position (roster_xid, employee id) inside the round, null between rounds;
 * - `t`: the same for face templates (roster_xid, template id); absent in cursors issued before
 *   templates were synced, which reads as null.
 */
interface RosterCursor {
  d: string;
  l: number;
  m: number | null;
  a: [number, string] | null;
  t?: [number, string] | null;
}

function encodeCursor(cursor: RosterCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(value: string | undefined, deviceId: string): RosterCursor {
  if (!value) return { d: deviceId, l: 0, m: null, a: null };
  try {
    const cursor = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as RosterCursor;
    const isPosition =
      cursor.a === null ||
      (Array.isArray(cursor.a) &&
        Number.isSafeInteger(cursor.a[0]) &&
        typeof cursor.a[1] === 'string' &&
        /^[0-9a-f-]{36}$/.test(cursor.a[1]));
    const isTemplatePosition =
      cursor.t === undefined ||
      cursor.t === null ||
      (Array.isArray(cursor.t) &&
        Number.isSafeInteger(cursor.t[0]) &&
        typeof cursor.t[1] === 'string' &&
        /^[0-9a-f-]{36}$/.test(cursor.t[1]));
    if (
      isTemplatePosition &&
      cursor.d === deviceId &&
      Number.isSafeInteger(cursor.l) &&
      cursor.l >= 0 &&
      (cursor.m === null || Number.isSafeInteger(cursor.m)) &&
      isPosition
    ) {
      return cursor;
    }
  } catch {
    // fall through to the validation error
  }
  throw new AppError('VALIDATION_FAILED', {
    message: 'The roster cursor is not one this hub issued to this device',
    issues: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

/**
 * One page of roster changes for the device. Scope: a device with a site gets the live employees
 * whose home site is that site or who have no home site; a device without a site gets the whole
 * org. Employees that left the scope (terminated, deleted, moved to another site) arrive as
 * `employee` tombstones, removed PINs as `pin` tombstones. Face templates of in-scope employees
 * come decrypted (the kiosk re-encrypts them with its own key), deleted ones as `template`
 * tombstones (faces.roster.ts).
 */
export async function getRosterDelta(
  deps: HubDeps,
  tx: Database,
  device: DeviceRow,
  cursorValue: string | undefined,
): Promise<TRosterDelta> {
  const cursor = decodeCursor(cursorValue, device.id);
  // Taken before the page is read, so it is at most the read's own xmin: never too far ahead.
  const xmin = await currentSnapshotXmin(tx);
  const roundXmin = Math.min(cursor.m ?? xmin, xmin);
  const isLiveOnly = cursor.l === 0;
  const rows = await listRosterChanges(tx, {
    orgId: device.orgId,
    siteId: device.siteId,
    sinceXid: cursor.l,
    after: cursor.a ? { xid: cursor.a[0], id: cursor.a[1] } : null,
    isLiveOnly,
    limit: MAX_ROSTER_ITEMS + 1,
  });
  const page = rows.slice(0, MAX_ROSTER_ITEMS);
  const hasMoreEmployees = rows.length > MAX_ROSTER_ITEMS;
  const delta: TRosterDelta = {
    cursor: '',
    hasMore: hasMoreEmployees,
    serverTime: deps.clock.now().toISOString(),
    employees: [],
    pinHashes: [],
    templates: [],
    tombstones: [],
  };
  for (const row of page) {
    const isInScope =
      row.status === 'active' &&
      row.deletedAt === null &&
      (device.siteId === null || row.homeSiteId === null || row.homeSiteId === device.siteId);
    if (!isInScope) {
      if (!isLiveOnly) delta.tombstones.push({ kind: 'employee', id: row.id });
      continue;
    }
    delta.employees.push({ id: row.id, code: row.code, displayName: row.name, isActive: true });
    if (row.pinHash) delta.pinHashes.push({ employeeId: row.id, hash: row.pinHash });
    else if (!isLiveOnly) delta.tombstones.push({ kind: 'pin', id: row.id });
  }
  const templates = await addRosterTemplates(deps.faces.cipher, tx, device, delta, {
    sinceXid: cursor.l,
    after: cursor.t ?? null,
    isLiveOnly,
  });
  const hasMore = hasMoreEmployees || templates.hasMore;
  delta.hasMore = hasMore;
  const last = page.at(-1);
  const templatePosition = templates.last ?? cursor.t ?? null;
  delta.cursor = encodeCursor(
    hasMore
      ? {
          d: device.id,
          l: cursor.l,
          m: roundXmin,
          a: last ? [last.rosterXid ?? 0, last.id] : cursor.a,
          t: templatePosition,
        }
      : { d: device.id, l: roundXmin, m: null, a: null },
  );
  if (!hasMore) delta.settings = await kioskSettingsFor(tx, device);
  return delta;
}

const clampInt32 = (value: number) => Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(value)));

/**
 * Stores what the kiosk reports and measures its clock: offset = hub time − device time (network
 * latency included, a few ms). Punches are corrected by the offset; beyond CLOCK_SKEW_FLAG_MS the
 * device is flagged. Security events the kiosk queued (PIN lockouts, …) go to the audit log.
 */
export async function recordHeartbeat(
  deps: HubDeps,
  tx: Database,
  actor: Omit<ActorContext, 'actorUserId' | 'actorType'>,
  device: DeviceRow,
  heartbeat: THeartbeat,
) {
  const now = deps.clock.now();
  const clockOffsetMs = clampInt32(now.getTime() - new Date(heartbeat.deviceTime).getTime());
  const isSkewed = Math.abs(clockOffsetMs) > CLOCK_SKEW_FLAG_MS;
  await updateDevice(tx, {
    orgId: device.orgId,
    deviceId: device.id,
    changes: {
      lastSeenAt: now,
      lastHeartbeatAt: now,
      appVersion: heartbeat.appVersion,
      modelId: heartbeat.modelId,
      queueDepth: heartbeat.queueDepth,
      oldestPendingAt: heartbeat.oldestPendingAt ? new Date(heartbeat.oldestPendingAt) : null,
      lastSyncAt: heartbeat.lastSyncAt ? new Date(heartbeat.lastSyncAt) : null,
      lastErrorCode: heartbeat.lastError?.code ?? null,
      lastErrorMessage: heartbeat.lastError?.message ?? null,
      clockOffsetMs,
      ...(isSkewed && !device.isFlaggedForReview
        ? {
            isFlaggedForReview: true,
            flagReason: `Clock off by ${Math.round(clockOffsetMs / 1000)} s (hub − device)`,
          }
        : {}),
    },
  });
  const deviceActor: ActorContext = { ...actor, actorUserId: null, actorType: 'device' };
  for (const event of heartbeat.securityEvents ?? []) {
    await recordAudit(tx, deviceActor, {
      orgId: device.orgId,
      action: `device.security_event.${event.kind}`,
      entityType: 'device',
      entityId: device.id,
      after: event,
    });
  }
  return { serverTime: now.toISOString(), clockOffsetMs, settings: await kioskSettingsFor(tx, device) };
}

/**
 * Forgets the device's used token ids past their expiry (a replay of those fails on `exp` anyway),
 * so device_token_uses stays at about one heartbeat interval of requests per device. Owner role,
 * outside any org transaction: the app role has no access to that table at all.
 */
export async function purgeUsedDeviceTokens(deps: HubDeps, device: DeviceRow): Promise<void> {
  await purgeDeviceTokenUses(deps.db, { deviceId: device.id, before: deps.clock.now() });
}
