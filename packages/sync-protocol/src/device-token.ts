/**
 * Device JWTs: the kiosk signs a fresh short-lived token per request with its Ed25519 key (jose),
 * and the hub verifies it against the public key it registered. RFC 8725 rules and the checks
 * JWT-01…07 of ../shared/notes/security-checklist.md.
 */
import { KeyObject, randomUUID } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  errors as joseErrors,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { DEVICE_TOKEN_TYPE, type TDevicePublicJwk } from '@clockface/contracts/sync';
import { AppError, isAppError, systemClock, type Clock } from '@clockface/core';

/** Longest accepted lifetime (`exp − iat`) and age of a device token. */
export const DEVICE_TOKEN_MAX_LIFETIME_S = 120;
/** Allowed clock difference between kiosk and hub; never widened to hide bad clocks (JWT-05). */
export const DEVICE_TOKEN_CLOCK_TOLERANCE_S = 30;
/** Default lifetime of a minted token: long enough for one slow request, short enough to be useless later. */
export const DEVICE_TOKEN_DEFAULT_TTL_S = 60;
/** Tokens longer than this are refused before any parsing (JWT-07); a real one is about 600 bytes. */
const MAX_TOKEN_LENGTH = 4096;
const KID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
/** Header members that would let a token bring its own key or make the hub fetch one (JWT-06). */
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit', 'b64'];

/** The `kid` of a device key: its RFC 7638 SHA-256 thumbprint, computed the same way on both ends. */
export function deviceKeyId(publicJwk: TDevicePublicJwk): Promise<string> {
  return calculateJwkThumbprint(publicJwk, 'sha256');
}

/** RFC 9449 `htu`: scheme, host and path, without query or fragment. */
export function normalizeHtu(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

export interface MintDeviceTokenOptions {
  privateKey: KeyObject;
  deviceId: string;
  kid: string;
  audience: string;
  /** HTTP method and URL of the one request this token is for (`htm`/`htu`, JWT-04). */
  method: string;
  url: string | URL;
  clock?: Clock;
  /** Hub time − device time in ms, measured from the last response `Date` header (JWT-05). */
  clockOffsetMs?: number;
  ttlSeconds?: number;
}

/**
 * Signs a one-request device token (`typ: kiosk+jwt`, EdDSA).
 *
 * @example
 * const token = await mintDeviceToken({ privateKey, deviceId, kid, audience, method: 'POST', url: eventsUrl });
 * await fetch(eventsUrl, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
 */
export async function mintDeviceToken(options: MintDeviceTokenOptions): Promise<string> {
  const ttl = options.ttlSeconds ?? DEVICE_TOKEN_DEFAULT_TTL_S;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > DEVICE_TOKEN_MAX_LIFETIME_S) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Expected ttlSeconds between 1 and ${DEVICE_TOKEN_MAX_LIFETIME_S}, got ${ttl}`,
    });
  }
  const nowMs = (options.clock ?? systemClock).now().getTime() + (options.clockOffsetMs ?? 0);
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ htm: options.method.toUpperCase(), htu: normalizeHtu(options.url) })
    .setProtectedHeader({ alg: 'EdDSA', typ: DEVICE_TOKEN_TYPE, kid: options.kid })
    .setSubject(options.deviceId)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .setJti(randomUUID())
    .sign(options.privateKey);
}

/** What the hub knows about a registered device key. `T` is the hub's own row, handed back. */
export interface DeviceKeyRecord<T = unknown> {
  deviceId: string;
  /** The registered public key: a KeyObject, or the stored public JWK. */
  publicKey: KeyObject | JWK;
  /** A revoked device's valid token fails with DEVICE_REVOKED (checked after the signature). */
  isRevoked: boolean;
  row?: T;
}

export interface VerifyDeviceTokenOptions<T = unknown> {
  /** The sync audience this hub issued at registration. */
  audience: string;
  /** Method and full URL of the request being authenticated (`htm`/`htu` must match). */
  method: string;
  url: string | URL;
  clock?: Clock;
  /** Looks a key up by `kid` (parameterised query; the token never supplies its own key). */
  findDeviceKey: (kid: string) => Promise<DeviceKeyRecord<T> | undefined>;
  /**
   * Records the jti and answers whether it was unseen. Must be atomic across hub instances, e.g.
   * `INSERT INTO device_token_jtis (device_id, jti, expires_at) … ON CONFLICT DO NOTHING RETURNING 1`,
   * kept until `expiresAt` + tolerance (JWT-04). Called last, only for otherwise valid tokens.
   */
  isJtiFresh: (params: { deviceId: string; jti: string; expiresAt: Date }) => Promise<boolean>;
}

export interface VerifiedDeviceToken<T = unknown> {
  deviceId: string;
  kid: string;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
  record: DeviceKeyRecord<T>;
}

function unauthenticated(message: string, cause?: unknown): AppError {
  return new AppError('UNAUTHENTICATED', { message: `Device token rejected: ${message}`, cause });
}

/**
 * Verifies a device JWT. Every failure is an AppError:
 * - `UNAUTHENTICATED`: malformed, wrong alg/typ/aud/htm/htu, unknown kid, bad signature, key not the subject's,
 *   missing claims, lifetime over 120 s;
 * - `CLOCK_SKEW`: expired, too old, or issued/nbf more than 30 s in the future (the kiosk re-measures its offset);
 * - `DEVICE_REVOKED`: a valid token of a revoked device;
 * - `TOKEN_REPLAYED`: a valid token whose jti was seen before.
 * Errors thrown by the callbacks pass through when they are AppErrors, else become INTERNAL.
 *
 * @example
 * const device = await verifyDeviceToken(bearer, {
 *   audience: config.syncAudience, method: c.req.method, url: c.req.url, clock,
 *   findDeviceKey: (kid) => findDeviceKeyByKid(db, { kid }),
 *   isJtiFresh: (params) => recordDeviceJti(db, params),
 * });
 * c.set('deviceId', device.deviceId);
 */
export async function verifyDeviceToken<T = unknown>(
  token: unknown,
  options: VerifyDeviceTokenOptions<T>,
): Promise<VerifiedDeviceToken<T>> {
  if (typeof token !== 'string' || token.length === 0) throw unauthenticated('expected a bearer token');
  if (token.length > MAX_TOKEN_LENGTH) {
    throw unauthenticated(`expected at most ${MAX_TOKEN_LENGTH} characters, got ${token.length}`);
  }
  if (token.split('.').length !== 3) throw unauthenticated('expected a compact JWS with 3 segments');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (error) {
    throw unauthenticated('the header is not valid base64url JSON', error);
  }
  if (header.alg !== 'EdDSA') throw unauthenticated(`expected alg EdDSA, got ${String(header.alg)}`);
  if (header.typ !== DEVICE_TOKEN_TYPE) throw unauthenticated(`expected typ ${DEVICE_TOKEN_TYPE}`);
  const forbidden = FORBIDDEN_HEADERS.filter((name) => Object.hasOwn(header, name));
  if (forbidden.length > 0) throw unauthenticated(`header members not accepted: ${forbidden.join(', ')}`);
  const kid = header.kid;
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw unauthenticated('expected a kid thumbprint');

  const record = await callback(() => options.findDeviceKey(kid));
  if (!record) throw unauthenticated('unknown kid');

  let key: Awaited<ReturnType<typeof importJWK>> | KeyObject;
  try {
    const stored = record.publicKey;
    key = isKeyObject(stored) ? stored : await importJWK(stored, 'EdDSA');
  } catch (error) {
    throw new AppError('INTERNAL', {
      message: 'The stored device key is not a valid Ed25519 JWK',
      cause: error,
    });
  }

  const clock = options.clock ?? systemClock;
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['EdDSA'],
      typ: DEVICE_TOKEN_TYPE,
      audience: options.audience,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
      // jose adds the tolerance on top of maxTokenAge; this keeps the effective limit at 120 s (JWT-03).
      maxTokenAge: DEVICE_TOKEN_MAX_LIFETIME_S - DEVICE_TOKEN_CLOCK_TOLERANCE_S,
      clockTolerance: DEVICE_TOKEN_CLOCK_TOLERANCE_S,
      currentDate: clock.now(),
    }));
  } catch (error) {
    throw mapJoseError(error);
  }

  if (payload.sub !== record.deviceId) throw unauthenticated('the key does not belong to the subject');
  const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
  if (exp - iat > DEVICE_TOKEN_MAX_LIFETIME_S) {
    throw unauthenticated(
      `expected a lifetime of at most ${DEVICE_TOKEN_MAX_LIFETIME_S} s, got ${exp - iat} s`,
    );
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128)
    throw unauthenticated('expected a jti');
  if (typeof payload.htm !== 'string' || payload.htm !== options.method.toUpperCase()) {
    throw unauthenticated(`the token is for ${String(payload.htm)}, not ${options.method.toUpperCase()}`);
  }
  if (typeof payload.htu !== 'string' || payload.htu !== normalizeHtu(options.url)) {
    throw unauthenticated('the token is for another URL (htu)');
  }
  if (record.isRevoked) {
    throw new AppError('DEVICE_REVOKED', { message: `Device ${record.deviceId} has been revoked` });
  }
  const expiresAt = new Date(exp * 1000);
  const isFresh = await callback(() => options.isJtiFresh({ deviceId: record.deviceId, jti, expiresAt }));
  if (!isFresh) throw new AppError('TOKEN_REPLAYED', { message: 'Device token rejected: jti already used' });

  return { deviceId: record.deviceId, kid, jti, issuedAt: new Date(iat * 1000), expiresAt, record };
}

function isKeyObject(value: KeyObject | JWK): value is KeyObject {
  return value instanceof KeyObject;
}

async function callback<R>(run: () => Promise<R>): Promise<R> {
  try {
    return await run();
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('INTERNAL', { message: 'A device-token lookup failed', cause: error });
  }
}

function mapJoseError(error: unknown): AppError {
  if (error instanceof joseErrors.JWTExpired) {
    return new AppError('CLOCK_SKEW', { message: `Device token rejected: ${error.message}`, cause: error });
  }
  if (
    error instanceof joseErrors.JWTClaimValidationFailed &&
    (error.claim === 'iat' || error.claim === 'nbf') &&
    error.reason === 'check_failed'
  ) {
    return new AppError('CLOCK_SKEW', { message: `Device token rejected: ${error.message}`, cause: error });
  }
  if (error instanceof joseErrors.JOSEError) return unauthenticated(error.message, error);
  // jose throws TypeError for some malformed inputs; none may leak as a 500 (JWT-01, JWT-07).
  return unauthenticated(error instanceof Error ? error.message : 'malformed token', error);
}
