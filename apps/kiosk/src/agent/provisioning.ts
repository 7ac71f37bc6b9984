/**
 * Provisioning: make this kiosk a device of a hub (../shared/DESIGN.md "Sync contract").
 *
 * 1. Check the hub URL and the token locally, and that the kiosk is not provisioned yet (unless
 *    `force`).
 * 2. Generate an Ed25519 key pair and register the public key with the enrollment token
 *    (`POST /api/devices/register`). The private key never leaves the kiosk.
 * 3. Only after the hub said yes: with `force`, wipe the old store and data key; then store the
 *    identity (private key encrypted with the data key), the hub's settings and clock offset.
 * 4. Pull the first roster. A failure here does not undo the registration: the sync worker pulls it
 *    again on its next cycle, and the result says so.
 *
 * Failures throw a ProvisioningError whose code the CLI prints and the kiosk screens can switch on;
 * the message is one line saying what happened and what to do. Nothing on the kiosk changes unless
 * the hub registered the key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  SYNC_PATHS,
  SYNC_PROTOCOL_VERSION,
  ZDeviceRegistration,
  ZDeviceRegistrationResult,
  type TDeviceRegistrationResult,
} from '@clockface/contracts/sync';
import type { Clock } from '@clockface/core';
import {
  countEmployees,
  countPunchesByStatus,
  countTemplates,
  findDeviceIdentity,
  saveDeviceIdentity,
  saveKioskSettings,
  updateClockOffset,
  type KeyProvider,
} from '@clockface/db-kiosk';
import { deviceKeyId } from '@clockface/sync-protocol';
import type { AgentConfig } from './config';
import { openAgentStore, requireDataKey, type AgentStore } from './db';
import { createSyncClient } from './sync-loop';

/** A hung hub must not hang the installer. */
const REGISTER_TIMEOUT_MS = 20_000;

export const PROVISIONING_ERROR_CODES = [
  /** --hub is not an http(s) URL. */
  'INVALID_HUB_URL',
  /** --token cannot be an enrollment token (too short or long, spaces). */
  'INVALID_TOKEN',
  /** Connection refused, DNS failure, timeout, TLS failure. */
  'HUB_UNREACHABLE',
  /** Something answered, but not the Clockface device API (404, HTML, a JSON that is not ours). */
  'NOT_A_HUB',
  /** The hub's ENROLLMENT_TOKEN_UNKNOWN, _EXPIRED, _REVOKED and _USED_UP refusals. */
  'TOKEN_UNKNOWN',
  'TOKEN_EXPIRED',
  'TOKEN_REVOKED',
  'TOKEN_USED_UP',
  /** The hub refused the token for a reason not listed above. */
  'TOKEN_REJECTED',
  'ORGANIZATION_SUSPENDED',
  'RATE_LIMITED',
  /** The hub failed (5xx) or refused the request itself. */
  'HUB_ERROR',
  /** A device identity exists; `force` wipes it. */
  'ALREADY_PROVISIONED',
] as const;
export type ProvisioningErrorCode = (typeof PROVISIONING_ERROR_CODES)[number];

export class ProvisioningError extends Error {
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

export interface ProvisionOptions {
  config: Pick<AgentConfig, 'dbFile' | 'keyFile' | 'appVersion'>;
  hubUrl: string;
  token: string;
  /** Shown in the console's device list; default "Kiosk <hostname>". */
  name?: string;
  /** Wipe an existing identity and all local data (roster, templates, outbox) first. */
  force?: boolean;
  clock: Clock;
  fetch?: typeof fetch;
  /** The Electron shell passes its safeStorage-backed provider; the CLI uses the key file. */
  keyProvider?: KeyProvider;
}

export interface ProvisionResult {
  deviceId: string;
  orgId: string;
  siteId: string | null;
  kid: string;
  name: string;
  hubUrl: string;
  roster: { employees: number; templates: number; error: string | null };
  /** What `force` replaced, if anything. */
  replaced: {
    deviceId: string;
    orgId: string;
    hubUrl: string;
    discardedPendingPunches: number;
  } | null;
}

/** The hub's origin, or INVALID_HUB_URL. The kiosk talks to `<origin>/api/...`. */
export function parseHubUrl(input: string): URL {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new ProvisioningError(
      'INVALID_HUB_URL',
      `"${input}" is not a URL. Give the hub's address, e.g. --hub https://hub.example.com`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProvisioningError(
      'INVALID_HUB_URL',
      `"${input}" is not an http(s) URL. Give the hub's address, e.g. --hub https://hub.example.com`,
    );
  }
  if (url.username || url.password) {
    throw new ProvisioningError(
      'INVALID_HUB_URL',
      'The hub URL must not contain a user name or password; the enrollment token is the credential',
    );
  }
  return new URL(url.origin);
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'no such host (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
};

function unreachable(hub: URL, error: unknown): ProvisioningError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const isTimeout = (error as Error).name === 'TimeoutError';
  const reason = isTimeout
    ? `no answer within ${REGISTER_TIMEOUT_MS / 1000} s`
    : ((cause?.code && NETWORK_ERRORS[cause.code]) ??
      cause?.code ??
      cause?.message ??
      (error as Error).message);
  return new ProvisioningError(
    'HUB_UNREACHABLE',
    `Cannot reach the hub at ${hub.origin} (${reason}). Check the address and the network, and that the hub is running, then try again`,
  );
}

interface Problem {
  code?: string;
  detail?: string;
  retryAfterSeconds?: number;
  /** Field problems of a 422: `[{ path, message }]`. */
  errors?: unknown;
}

function asProblem(json: unknown): Problem | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { code, detail, retryAfterSeconds, errors } = json as Record<string, unknown>;
  if (typeof code !== 'string') return undefined;
  return {
    code,
    ...(typeof detail === 'string' ? { detail } : {}),
    ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}),
    ...(errors === undefined ? {} : { errors }),
  };
}

const ASK_FOR_TOKEN = 'Ask an admin for a new enrollment token (console: Devices → Enrollment tokens)';

/** The hub's code for each way an enrollment token can be refused, and what the installer is told. */
const TOKEN_REFUSALS: Record<string, { code: ProvisioningErrorCode; reason: string }> = {
  ENROLLMENT_TOKEN_EXPIRED: { code: 'TOKEN_EXPIRED', reason: 'The enrollment token has expired' },
  ENROLLMENT_TOKEN_REVOKED: { code: 'TOKEN_REVOKED', reason: 'An admin revoked the enrollment token' },
  ENROLLMENT_TOKEN_USED_UP: { code: 'TOKEN_USED_UP', reason: 'Every use of the enrollment token is spent' },
};

/** Turns a refusal of the hub into one actionable line. Switches on the hub's code, never its wording. */
function explainRefusal(hub: URL, status: number, problem: Problem | undefined): ProvisioningError {
  const detail = problem?.detail ?? '';
  if (!problem) {
    return new ProvisioningError(
      'NOT_A_HUB',
      `${hub.origin} answered ${status} without a Clockface error: it is not a Clockface hub (or a proxy is in the way). Check --hub`,
    );
  }
  if (problem.code === 'ENROLLMENT_TOKEN_UNKNOWN') {
    return new ProvisioningError(
      'TOKEN_UNKNOWN',
      `The hub at ${hub.origin} does not know this enrollment token (mistyped, or made on another hub). Check it, or ${ASK_FOR_TOKEN.charAt(0).toLowerCase()}${ASK_FOR_TOKEN.slice(1)}`,
    );
  }
  const refusal = TOKEN_REFUSALS[problem.code ?? ''];
  if (refusal) {
    return new ProvisioningError(
      refusal.code,
      `${refusal.reason}${detail ? ` (hub: ${detail})` : ''}. ${ASK_FOR_TOKEN}`,
    );
  }
  if (problem.code === 'ORGANIZATION_SUSPENDED') {
    return new ProvisioningError(
      'ORGANIZATION_SUSPENDED',
      'The organisation of this token is suspended. Contact support',
    );
  }
  if (status === 429) {
    const seconds = problem.retryAfterSeconds;
    return new ProvisioningError(
      'RATE_LIMITED',
      `Too many registration attempts${seconds ? `; try again in ${Math.ceil(seconds / 60)} min` : '; try again later'}`,
      seconds,
    );
  }
  if (status === 422 && /enrollmentToken/.test(JSON.stringify(problem.errors))) {
    return new ProvisioningError('TOKEN_REJECTED', `The hub refused the token's format. ${ASK_FOR_TOKEN}`);
  }
  if (status >= 500) {
    return new ProvisioningError(
      'HUB_ERROR',
      `The hub at ${hub.origin} failed (${status} ${problem.code}); try again in a minute, and tell its operator if it persists`,
    );
  }
  return new ProvisioningError(
    status === 401 || status === 409 ? 'TOKEN_REJECTED' : 'HUB_ERROR',
    `The hub refused the registration (${status} ${problem.code}${detail ? `: ${detail}` : ''})`,
  );
}

async function register(hub: URL, body: unknown, fetchHub: typeof fetch): Promise<TDeviceRegistrationResult> {
  let response: Response;
  try {
    response = await fetchHub(new URL(SYNC_PATHS.register, hub), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(REGISTER_TIMEOUT_MS),
    });
  } catch (error) {
    throw unreachable(hub, error);
  }
  const contentType = response.headers.get('content-type') ?? '';
  const json: unknown = /json/i.test(contentType) ? await response.json().catch(() => undefined) : undefined;
  if (json === undefined) {
    await response.body?.cancel().catch(() => {});
    throw new ProvisioningError(
      'NOT_A_HUB',
      `${hub.origin} answered ${response.status} ${contentType.split(';')[0] || 'without a content type'}, not the Clockface device API: it is not a Clockface hub. Check --hub (the hub's address, not the console's)`,
    );
  }
  if (response.status !== 201) throw explainRefusal(hub, response.status, asProblem(json));
  const result = ZDeviceRegistrationResult.safeParse(json);
  if (!result.success) {
    throw new ProvisioningError(
      'NOT_A_HUB',
      `${hub.origin} answered 201 but not with a device registration: it is not a Clockface hub of this version. Check --hub`,
    );
  }
  return result.data;
}

function removeStoreFiles(config: Pick<AgentConfig, 'dbFile'>): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const file = `${config.dbFile}${suffix}`;
    if (existsSync(file)) rmSync(file, { force: true });
  }
}

/**
 * Registers this kiosk with a hub and pulls its first roster. Throws ProvisioningError; leaves the
 * kiosk unchanged unless the hub registered the new key.
 *
 * @example
 * const result = await provisionKiosk({ config, hubUrl: 'https://hub.example.com', token, clock: systemClock });
 */
export async function provisionKiosk(options: ProvisionOptions): Promise<ProvisionResult> {
  const hub = parseHubUrl(options.hubUrl);
  const token = options.token.trim();
  if (token.length < 22 || token.length > 256 || /\s/.test(token)) {
    throw new ProvisioningError(
      'INVALID_TOKEN',
      `That is not an enrollment token (expected the 22+ character code shown once in the console). ${ASK_FOR_TOKEN}`,
    );
  }
  const name = (options.name ?? `Kiosk ${hostname()}`).trim().slice(0, 100) || 'Kiosk';
  const fetchHub = options.fetch ?? fetch;

  // Refuse early (before the token is spent) when the kiosk is provisioned and --force is missing.
  let store: AgentStore = openAgentStore(options.config, options.keyProvider);
  let replaced: ProvisionResult['replaced'] = null;
  try {
    const existing = findDeviceIdentity(store.db);
    if (existing) {
      const pending = countPunchesByStatus(store.db).pending;
      if (!options.force) {
        throw new ProvisioningError(
          'ALREADY_PROVISIONED',
          `This kiosk is already provisioned as "${existing.name}" (device ${existing.deviceId}, hub ${existing.hubUrl}${existing.revokedAt ? ', revoked' : ''}). Run again with --force to wipe it and all its local data${pending > 0 ? ` (${pending} punches not yet synced would be lost)` : ''}`,
        );
      }
      replaced = {
        deviceId: existing.deviceId,
        orgId: existing.orgId,
        hubUrl: existing.hubUrl,
        discardedPendingPunches: pending,
      };
    }
  } catch (error) {
    store.close();
    throw error;
  }

  try {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { x } = publicKey.export({ format: 'jwk' });
    const publicJwk = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: x! };
    const body = ZDeviceRegistration.parse({
      enrollmentToken: token,
      name,
      publicJwk,
      appVersion: options.config.appVersion,
      protocolVersion: SYNC_PROTOCOL_VERSION,
    });
    const registered = await register(hub, body, fetchHub);
    const kid = await deviceKeyId(publicJwk);
    if (registered.kid !== kid) {
      throw new ProvisioningError(
        'NOT_A_HUB',
        `The hub registered key ${registered.kid}, but this kiosk's key is ${kid}: refusing to use it`,
      );
    }

    if (replaced) {
      // The hub said yes: now wipe the old device (identity, roster, templates, outbox, data key).
      store.close();
      removeStoreFiles(options.config);
      store.keyProvider.destroy();
      store = openAgentStore(options.config, options.keyProvider);
    }
    const dataKey = requireDataKey(store);
    const now = options.clock.now();
    store.db.transaction(
      (tx) => {
        saveDeviceIdentity(tx, {
          deviceId: registered.deviceId,
          orgId: registered.orgId,
          siteId: registered.siteId,
          name,
          hubUrl: hub.origin,
          audience: registered.audience,
          kid,
          publicJwk: JSON.stringify(publicJwk),
          privateKey,
          dataKey: dataKey.key,
          keyVersion: dataKey.keyVersion,
          provisionedAt: now,
        });
        // Registration is the first measurement of the clock offset (hub − device, latency included).
        updateClockOffset(tx, {
          clockOffsetMs: Math.round(new Date(registered.serverTime).getTime() - now.getTime()),
        });
        if (registered.settings) saveKioskSettings(tx, { settings: registered.settings, at: now });
      },
      { behavior: 'immediate' },
    );

    const pulled = await createSyncClient({
      store,
      clock: options.clock,
      appVersion: options.config.appVersion,
      fetch: fetchHub,
    }).pullRosterOnce();
    return {
      deviceId: registered.deviceId,
      orgId: registered.orgId,
      siteId: registered.siteId,
      kid,
      name,
      hubUrl: hub.origin,
      roster: {
        employees: countEmployees(store.db),
        templates: countTemplates(store.db),
        error: pulled.kind === 'progress' ? null : 'message' in pulled ? pulled.message : pulled.kind,
      },
      replaced,
    };
  } finally {
    store.close();
  }
}
