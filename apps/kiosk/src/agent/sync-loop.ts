/**
 * The sync worker: pushes outbox batches, pulls roster deltas, sends heartbeats, against the hub's
 * device API (SYNC_PATHS in @clockface/contracts/sync). Single flight; every request carries a fresh
 * device JWT for exactly that method and URL. It returns results and never throws into its caller
 * (STYLE.md Errors §5): failures are recorded in sync_status and on the outbox rows.
 *
 * Crash safety: outbox rows change state only when an ack is applied (one transaction). A crash or a
 * lost response before that resends the same events; the hub answers `duplicate` (idempotent by id).
 */
import type { KeyObject } from 'node:crypto';
import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises';
import {
  MAX_EVENTS_PER_BATCH,
  SYNC_PATHS,
  SYNC_PROTOCOL_VERSION,
  ZBatchAck,
  ZHeartbeatAck,
  ZKioskSettings,
  type TEventBatch,
  type THeartbeat,
} from '@clockface/contracts/sync';
import { isAppError, type Clock } from '@clockface/core';
import {
  findCursor,
  findDevicePrivateKey,
  findKioskSettings,
  insertSecurityEvent,
  listUnsentSecurityEvents,
  markDeviceRevoked,
  markSecurityEventsSent,
  recordPunchAttempt,
  recordSyncFailure,
  saveKioskSettings,
  updateClockOffset,
  wipeBiometricData,
  type DeviceIdentity,
} from '@clockface/db-kiosk';
import {
  backoffDelayMs,
  canonicalize,
  classifyResponse,
  mintDeviceToken,
  type BackoffOptions,
  type SyncOutcome,
} from '@clockface/sync-protocol';
import { requireDataKey, requireIdentity, type AgentStore } from './db';
import { applyBatchAck, buildNextBatch } from './outbox';
import type { Recognizer } from './recognizer';
import { ROSTER_CURSOR, applyRosterDelta } from './roster-sync';
import { getAgentStatus, loadSettings } from './status';

/** Per-request timeout: a hung hub must not stall the loop. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Batches pushed per cycle before the roster and heartbeat get a turn. */
export const MAX_BATCHES_PER_CYCLE = 20;
/** Roster pages pulled per cycle. */
const MAX_ROSTER_PAGES_PER_CYCLE = 50;

/**
 * Revocation (DEV-04, BIO-09): mark the device revoked, delete templates, PIN hashes and roster,
 * destroy the data key (crypto-shred) and zero the matcher. Punches stay for the record.
 */
export function handleDeviceRevoked(store: AgentStore, options: { clock: Clock; recognizer?: Recognizer }) {
  const wiped = store.db.transaction(
    (tx) => {
      markDeviceRevoked(tx, { at: options.clock.now() });
      return wipeBiometricData(tx);
    },
    { behavior: 'immediate' },
  );
  store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  store.keyProvider.destroy();
  store.keyState = { status: 'reprovision', reason: 'missing', keyVersion: 0 };
  options.recognizer?.wipe();
  return wiped;
}

export type SyncStepResult =
  | { kind: 'idle' }
  | { kind: 'progress'; settled: number; kept: number }
  | {
      kind: 'retry';
      reason: 'network' | 'server' | 'rate_limited' | 'bad_response';
      retryAfterMs?: number;
      message: string;
      /** Events this cycle settled before it failed: progress, so the backoff starts over. */
      settledBefore?: number;
    }
  /** Sync cannot go on until a person acts (re-provision, a hub fix): the loop stops. */
  | {
      kind: 'stopped';
      reason: 'revoked' | 'unauthorized' | 'not_provisioned' | 'reprovision_required' | 'shutdown';
      message: string;
    }
  /** The hub refused this request itself (4xx). Recorded; the loop waits a full interval and tries again. */
  | { kind: 'rejected'; status: number; code?: string; message: string };

export interface SyncClientDeps {
  store: AgentStore;
  clock: Clock;
  appVersion: string;
  fetch?: typeof fetch;
  recognizer?: Recognizer;
  /**
   * At most this many events per batch (KIOSK_SYNC_BATCH_SIZE: a slow or metered link, tests). The
   * batch size itself is the hub's `batchSize` setting, read from the stored settings at each push,
   * so a heartbeat that changes it takes effect at the next batch.
   */
  batchSizeCap?: number;
  modelId?: string | null;
  /** Shutdown: aborts an in-flight request too. */
  signal?: AbortSignal;
}

interface HubResponse {
  outcome: SyncOutcome;
  status: number;
  json: unknown;
  message: string;
}

export function createSyncClient(deps: SyncClientDeps) {
  const { store, clock } = deps;
  const fetchHub = deps.fetch ?? fetch;
  const batchSizeCap = Math.min(deps.batchSizeCap ?? MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH);
  /** Halved at each 413 and kept: the hub's body limit does not change with its settings. */
  let payloadCap = MAX_EVENTS_PER_BATCH;
  const batchSize = () =>
    Math.max(1, Math.min(batchSizeCap, payloadCap, loadSettings(store).batchSize ?? MAX_EVENTS_PER_BATCH));

  /**
   * The decrypted device key, kept while neither its ciphertext nor the data key changes (a push
   * needs it twice: the batch signature and the request token), instead of an AES-GCM decrypt and
   * a key import per use. Revocation destroys the data key, so `requireDataKey` stops its use.
   */
  let signingKey: { ciphertext: Buffer; dataKey: Buffer; privateKey: KeyObject } | undefined;

  function devicePrivateKey(identity: DeviceIdentity, dataKey: Buffer): KeyObject | undefined {
    if (
      signingKey &&
      signingKey.dataKey.equals(dataKey) &&
      signingKey.ciphertext.equals(identity.privateKeyCiphertext)
    ) {
      return signingKey.privateKey;
    }
    const privateKey = findDevicePrivateKey(identity, dataKey);
    signingKey = privateKey
      ? { ciphertext: Buffer.from(identity.privateKeyCiphertext), dataKey: Buffer.from(dataKey), privateKey }
      : undefined;
    return privateKey;
  }

  /** The identity and signing key, or the reason sync cannot run. */
  function credentials() {
    try {
      const identity = requireIdentity(store);
      const privateKey = devicePrivateKey(identity, requireDataKey(store).key);
      if (!privateKey) {
        return {
          stop: {
            kind: 'stopped',
            reason: 'reprovision_required',
            message: 'The device key does not decrypt with the data key',
          } as const,
        };
      }
      return { identity, privateKey };
    } catch (error) {
      if (isAppError(error, 'NOT_PROVISIONED'))
        return { stop: { kind: 'stopped', reason: 'not_provisioned', message: error.message } as const };
      if (isAppError(error, 'DEVICE_REVOKED'))
        return { stop: { kind: 'stopped', reason: 'revoked', message: error.message } as const };
      if (isAppError(error, 'REPROVISION_REQUIRED'))
        return { stop: { kind: 'stopped', reason: 'reprovision_required', message: error.message } as const };
      throw error;
    }
  }

  /** A device JWT for exactly this method and URL (JWT-03), at the hub's time as last measured. */
  function mintToken(identity: DeviceIdentity, privateKey: KeyObject, method: 'GET' | 'POST', url: URL) {
    return mintDeviceToken({
      privateKey,
      deviceId: identity.deviceId,
      kid: identity.kid,
      audience: identity.audience,
      method,
      url,
      clock,
      clockOffsetMs: identity.clockOffsetMs,
    });
  }

  /**
   * One request to the hub. `prepared` carries a token minted and a body serialised ahead (the
   * pipelined push), so the request leaves without waiting on either; a retry mints afresh.
   */
  async function request(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    isRetryOfSkew = false,
    prepared?: { token: string; json: string },
  ): Promise<HubResponse | SyncStepResult> {
    const creds = credentials();
    if ('stop' in creds) return creds.stop!;
    const { identity, privateKey } = creds;
    const url = new URL(path, identity.hubUrl);
    const token = prepared?.token ?? (await mintToken(identity, privateKey, method, url));
    const payload = prepared?.json ?? (body === undefined ? undefined : JSON.stringify(body));
    let response: Response;
    try {
      response = await fetchHub(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { body: payload }),
        signal: deps.signal
          ? AbortSignal.any([deps.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
          : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if (deps.signal?.aborted)
        return { kind: 'stopped', reason: 'shutdown', message: 'Sync stopped (shutdown)' };
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return {
        kind: 'retry',
        reason: 'network',
        message: `Hub unreachable at ${url.origin}: ${cause ?? (error as Error).message}`,
      };
    }
    const json: unknown = await response.json().catch(() => undefined);
    const problem = json as { code?: unknown; detail?: unknown; title?: unknown } | undefined;
    const code = typeof problem?.code === 'string' ? problem.code : undefined;
    const outcome = classifyResponse(response, code, clock.now());
    const message = `${method} ${url.pathname} → ${response.status}${code ? ` ${code}` : ''}${typeof problem?.detail === 'string' ? `: ${problem.detail}` : ''}`;
    if (outcome.kind === 'clock_skew' && !isRetryOfSkew) {
      // JWT-05: measure the offset from the hub's Date header and retry once with corrected times.
      const serverTime = outcome.serverDate?.getTime();
      if (serverTime !== undefined) {
        updateClockOffset(store.db, { clockOffsetMs: Math.round(serverTime - clock.now().getTime()) });
        return request(method, path, body, true);
      }
    }
    if (outcome.kind === 'token_replayed' && !isRetryOfSkew) return request(method, path, body, true);
    return { outcome, status: response.status, json, message };
  }

  function settle(
    response: HubResponse | SyncStepResult,
    context: { pendingIds?: string[] },
  ): SyncStepResult | undefined {
    if ('kind' in response) {
      const isShutdown = response.kind === 'stopped' && response.reason === 'shutdown';
      if (
        !isShutdown &&
        (response.kind === 'retry' || response.kind === 'rejected' || response.kind === 'stopped')
      ) {
        recordSyncFailure(store.db, {
          at: clock.now(),
          code: response.kind.toUpperCase(),
          message: response.message,
        });
        if (response.kind === 'retry' && context.pendingIds) {
          recordPunchAttempt(store.db, {
            ids: context.pendingIds,
            at: clock.now(),
            errorCode: 'HUB_UNREACHABLE',
            errorMessage: response.message,
          });
        }
      }
      return response;
    }
    const { outcome, message } = response;
    switch (outcome.kind) {
      case 'ok':
        return undefined;
      case 'retry': {
        recordSyncFailure(store.db, { at: clock.now(), code: `HTTP_${response.status}`, message });
        if (context.pendingIds) {
          recordPunchAttempt(store.db, {
            ids: context.pendingIds,
            at: clock.now(),
            errorCode: `HTTP_${response.status}`,
            errorMessage: message,
          });
        }
        return {
          kind: 'retry',
          reason: outcome.reason,
          message,
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        };
      }
      case 'revoked': {
        recordSyncFailure(store.db, {
          at: clock.now(),
          code: outcome.code ?? `HTTP_${response.status}`,
          message,
        });
        if (outcome.isConfirmed) {
          const wiped = handleDeviceRevoked(store, {
            clock,
            ...(deps.recognizer ? { recognizer: deps.recognizer } : {}),
          });
          return {
            kind: 'stopped',
            reason: 'revoked',
            message: `${message}; wiped ${wiped.templates} templates, ${wiped.pinHashes} PIN hashes, ${wiped.employees} employees`,
          };
        }
        return { kind: 'stopped', reason: 'unauthorized', message };
      }
      case 'clock_skew':
      case 'token_replayed':
        recordSyncFailure(store.db, { at: clock.now(), code: outcome.kind.toUpperCase(), message });
        return { kind: 'retry', reason: 'server', message };
      case 'rejected':
        recordSyncFailure(store.db, {
          at: clock.now(),
          code: outcome.code ?? `HTTP_${outcome.status}`,
          message,
        });
        // A batch too large for the hub: halve it for the next try instead of failing forever.
        if (outcome.status === 413) payloadCap = Math.max(1, Math.floor(batchSize() / 2));
        return {
          kind: 'rejected',
          status: outcome.status,
          ...(outcome.code ? { code: outcome.code } : {}),
          message,
        };
    }
  }

  /**
   * Pushes up to `maxBatches` batches of the outbox, oldest first, one request at a time: the hub
   * sees batch n+1 only after it answered batch n, so batches arrive in chain order (no `seq_gap`
   * review flags). The kiosk's own work is pipelined around that request: while batch n+1 is on the
   * wire, batch n's ack is applied and batch n+2 is read and signed (rows after n+1's last seq).
   * Crash-safe as before: rows change state only when their ack is applied, so whatever was sent
   * but not yet acked is sent again and the hub answers `duplicate`.
   */
  async function pushBatches(maxBatches: number): Promise<SyncStepResult> {
    const creds = credentials();
    if ('stop' in creds) return settle(creds.stop!, {})!;
    // A batch is read, signed and serialised ahead, while the previous request is on the wire.
    type Prepared = { batch: TEventBatch; json: string };
    const next = (afterSeq: number): Prepared | undefined => {
      const built = buildNextBatch(store, {
        deviceId: creds.identity.deviceId,
        kid: creds.identity.kid,
        privateKey: creds.privateKey,
        limit: batchSize(),
        afterSeq,
      });
      return built && { batch: built, json: JSON.stringify(built) };
    };
    let current: Prepared | undefined = next(0);
    if (!current) return { kind: 'idle' };
    const eventsUrl = new URL(SYNC_PATHS.events, creds.identity.hubUrl);
    let settled = 0;
    let kept = 0;
    const failed = (result: SyncStepResult): SyncStepResult =>
      result.kind === 'retry' && settled + kept > 0 ? { ...result, settledBefore: settled + kept } : result;
    /** The previous batch's ack, applied once the next request is on its way. */
    let applyPrevious: (() => void) | undefined;
    for (let sent = 0; current;) {
      const { batch, json }: Prepared = current;
      const pendingIds: string[] = batch.events.map((event) => event.id);
      const token = await mintToken(creds.identity, creds.privateKey, 'POST', eventsUrl);
      const inFlight = request('POST', SYNC_PATHS.events, batch, false, { token, json });
      sent += 1;
      if (applyPrevious) {
        // Let the request reach the socket before the synchronous SQLite work below.
        await yieldToIo();
        applyPrevious();
        applyPrevious = undefined;
      }
      const following: Prepared | undefined = sent < maxBatches ? next(batch.events.at(-1)!.seq) : undefined;
      const response = await inFlight;
      const refused = settle(response, { pendingIds });
      if (refused) return failed(refused);
      const ack = ZBatchAck.safeParse((response as HubResponse).json);
      if (!ack.success) {
        const message = `The hub's ack does not match the contract: ${ack.error.issues[0]?.message ?? 'invalid'}`;
        recordSyncFailure(store.db, { at: clock.now(), code: 'BAD_ACK', message });
        return failed({ kind: 'retry', reason: 'bad_response', message });
      }
      // Only ids of this batch count: an ack can never settle an event it was not sent.
      const sentIds = new Set(pendingIds);
      const results = ack.data.results.filter((result) => sentIds.has(result.id));
      applyPrevious = () => {
        const applied = applyBatchAck(store, { ...ack.data, results }, clock.now(), { isSyncSuccess: true });
        settled += applied.settled;
        kept += applied.kept;
      };
      // An ack that leaves some events unanswered ends the pipeline: the next push starts again
      // from the oldest pending row, so none is skipped.
      current = results.length === pendingIds.length ? following : undefined;
    }
    applyPrevious?.();
    return { kind: 'progress', settled, kept };
  }

  /** Pushes the oldest pending batch once. */
  function pushOnce(): Promise<SyncStepResult> {
    return pushBatches(1);
  }

  /** Pulls roster pages since the cursor until the hub says there is no more (or the page cap). */
  async function pullRosterOnce(): Promise<SyncStepResult> {
    let pages = 0;
    for (;;) {
      const cursor = findCursor(store.db, { name: ROSTER_CURSOR });
      const path = cursor ? `${SYNC_PATHS.roster}?cursor=${encodeURIComponent(cursor)}` : SYNC_PATHS.roster;
      const response = await request('GET', path);
      const failed = settle(response, {});
      if (failed) return failed;
      let hasMore: boolean;
      try {
        hasMore = applyRosterDelta(store, (response as HubResponse).json, clock).hasMore;
      } catch (error) {
        const message = `The hub's roster delta does not match the contract: ${(error as Error).message.slice(0, 300)}`;
        recordSyncFailure(store.db, { at: clock.now(), code: 'BAD_ROSTER', message });
        return { kind: 'retry', reason: 'bad_response', message };
      }
      pages += 1;
      if (!hasMore || pages >= MAX_ROSTER_PAGES_PER_CYCLE) return { kind: 'progress', settled: 0, kept: 0 };
    }
  }

  async function sendHeartbeat(): Promise<SyncStepResult> {
    const status = getAgentStatus(store, { dataDir: '', appVersion: deps.appVersion });
    const events = listUnsentSecurityEvents(store.db, { limit: 100 });
    const identity = requireIdentity(store);
    const heartbeat: THeartbeat = {
      protocolVersion: SYNC_PROTOCOL_VERSION,
      appVersion: deps.appVersion,
      modelId: deps.modelId ?? null,
      queueDepth: status.outbox.pending,
      oldestPendingAt: status.outbox.oldestPendingAt,
      lastSyncAt: status.sync.lastSuccessAt,
      lastError: status.sync.lastError,
      deviceTime: clock.now().toISOString(),
      clockOffsetMs: identity.clockOffsetMs,
      ...(events.length > 0
        ? {
            securityEvents: events.map((event) => ({
              id: event.id,
              kind: event.kind,
              occurredAt: event.occurredAt,
              employeeId: event.employeeId,
              ...(event.details
                ? { details: JSON.parse(event.details) as Record<string, string | number | boolean | null> }
                : {}),
            })),
          }
        : {}),
    };
    const response = await request('POST', SYNC_PATHS.heartbeat, heartbeat);
    const failed = settle(response, {});
    if (failed) return failed;
    markSecurityEventsSent(store.db, { ids: events.map((event) => event.id), at: clock.now() });
    applyHeartbeatSettings((response as HubResponse).json);
    return { kind: 'idle' };
  }

  /**
   * The heartbeat's answer carries the settings the admin set now (thresholds, duplicate window,
   * batch size, …): stored like the roster's, so the punch service, the recognizer and the next
   * push use them. Stored only when they changed; settings that break the contract are kept out and
   * reported to the hub as a security event, and the kiosk goes on with the ones it has.
   */
  function applyHeartbeatSettings(json: unknown): void {
    const ack = ZHeartbeatAck.safeParse(json);
    if (!ack.success || ack.data.settings === undefined) return;
    const at = clock.now();
    const parsed = ZKioskSettings.safeParse(ack.data.settings);
    if (!parsed.success) {
      insertSecurityEvent(store.db, {
        kind: 'settings_rejected',
        at,
        details: { message: parsed.error.issues[0]?.message.slice(0, 500) ?? 'invalid' },
      });
      return;
    }
    const stored = findKioskSettings(store.db);
    if (stored && canonicalize(stored.settings) === canonicalize(parsed.data)) return;
    saveKioskSettings(store.db, { settings: parsed.data, at });
  }

  /** One cycle: push until the outbox is empty (or the cycle cap), then roster, then heartbeat. */
  async function syncOnce(): Promise<SyncStepResult> {
    let settled = 0;
    let kept = 0;
    const failed = (result: SyncStepResult): SyncStepResult =>
      result.kind === 'retry' && settled + kept > 0 ? { ...result, settledBefore: settled + kept } : result;
    const pushed = await pushBatches(MAX_BATCHES_PER_CYCLE);
    if (pushed.kind === 'progress') {
      settled += pushed.settled;
      kept += pushed.kept;
    } else if (pushed.kind !== 'idle') {
      return pushed;
    }
    const roster = await pullRosterOnce();
    if (roster.kind !== 'progress' && roster.kind !== 'idle') return failed(roster);
    const heartbeat = await sendHeartbeat();
    if (heartbeat.kind !== 'idle') return failed(heartbeat);
    return settled + kept > 0 ? { kind: 'progress', settled, kept } : { kind: 'idle' };
  }

  return {
    pushOnce,
    pushBatches,
    pullRosterOnce,
    sendHeartbeat,
    syncOnce,
    get batchSize() {
      return batchSize();
    },
  };
}

export type SyncClient = ReturnType<typeof createSyncClient>;

export interface RunSyncLoopOptions {
  signal: AbortSignal;
  /** Wait between cycles when there is nothing to do, ms. */
  idleIntervalMs?: number;
  backoff?: BackoffOptions;
  onResult?: (result: SyncStepResult) => void;
}

/**
 * Runs sync cycles until aborted or stopped (revoked, not provisioned, key lost). Backs off with
 * jitter while the hub is unreachable or failing, honouring Retry-After; goes again at once while
 * there is progress. Never throws.
 */
export async function runSyncLoop(
  client: SyncClient,
  options: RunSyncLoopOptions,
): Promise<SyncStepResult | undefined> {
  let failures = 0;
  let last: SyncStepResult | undefined;
  while (!options.signal.aborted) {
    try {
      last = await client.syncOnce();
    } catch (error) {
      // A bug, not a hub problem: record it as a retry so the loop (and the punches) survive.
      last = { kind: 'retry', reason: 'server', message: `Sync cycle failed: ${(error as Error).message}` };
    }
    options.onResult?.(last);
    if (last.kind === 'stopped') return last;
    let delayMs: number;
    if (last.kind === 'retry') {
      // A cycle that delivered batches before it failed made progress: the backoff starts over, or
      // a flaky link that drops one request per cycle would push the delay to its 5 min cap.
      failures = last.settledBefore ? 1 : failures + 1;
      delayMs = backoffDelayMs(failures, options.backoff, last.retryAfterMs);
    } else {
      failures = 0;
      delayMs = last.kind === 'progress' ? 0 : (options.idleIntervalMs ?? 15_000);
    }
    try {
      await sleep(delayMs, undefined, { signal: options.signal });
    } catch {
      // Aborted while waiting: shutdown.
      break;
    }
  }
  return last;
}
