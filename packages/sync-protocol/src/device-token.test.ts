import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { AppError, ManualClock, type AppErrorCode } from '@clockface/core';
import { ZDevicePublicJwk } from '@clockface/contracts/sync';
import {
  deviceKeyId,
  mintDeviceToken,
  verifyDeviceToken,
  type DeviceKeyRecord,
  type VerifyDeviceTokenOptions,
} from './device-token';

const DEVICE_A = '019a0000-0000-7000-8000-0000000000a1';
const DEVICE_B = '019a0000-0000-7000-8000-0000000000b1';
const AUDIENCE = 'https://hub.example/api/sync';
const URL_EVENTS = 'https://hub.example/api/sync/events';
const URL_ROSTER = 'https://hub.example/api/sync/roster';
const T0 = new Date('2026-11-22T09:00:00Z');

const keyA = generateKeyPairSync('ed25519');
const keyB = generateKeyPairSync('ed25519');
const attacker = generateKeyPairSync('ed25519');
const jwkA = ZDevicePublicJwk.parse(await exportJWK(keyA.publicKey));
const jwkB = ZDevicePublicJwk.parse(await exportJWK(keyB.publicKey));
const kidA = await deviceKeyId(jwkA);
const kidB = await deviceKeyId(jwkB);

function setup(overrides: Partial<VerifyDeviceTokenOptions> & { revoked?: boolean } = {}) {
  const seen = new Set<string>();
  const clock = new ManualClock(T0);
  const keys = new Map<string, DeviceKeyRecord>([
    [kidA, { deviceId: DEVICE_A, publicKey: jwkA, isRevoked: overrides.revoked ?? false }],
    [kidB, { deviceId: DEVICE_B, publicKey: keyB.publicKey, isRevoked: false }],
  ]);
  const options: VerifyDeviceTokenOptions = {
    audience: AUDIENCE,
    method: 'POST',
    url: URL_EVENTS,
    clock,
    findDeviceKey: async (kid) => keys.get(kid),
    isJtiFresh: async ({ deviceId, jti }) => {
      const key = `${deviceId}/${jti}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
    ...overrides,
  };
  return { options, clock };
}

function mint(overrides: Partial<Parameters<typeof mintDeviceToken>[0]> = {}) {
  return mintDeviceToken({
    privateKey: keyA.privateKey,
    deviceId: DEVICE_A,
    kid: kidA,
    audience: AUDIENCE,
    method: 'post',
    url: `${URL_EVENTS}?ignored=1`,
    clock: new ManualClock(T0),
    ...overrides,
  });
}

async function expectCode(token: unknown, code: AppErrorCode, options = setup().options) {
  const error = await verifyDeviceToken(token, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** A token with arbitrary header and claims, signed by `key` (EdDSA) — for hostile variants. */
function forge(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: KeyObject = keyA.privateKey,
) {
  const iat = Math.floor(T0.getTime() / 1000);
  return new SignJWT({
    sub: DEVICE_A,
    aud: AUDIENCE,
    iat,
    exp: iat + 60,
    jti: 'j-1',
    htm: 'POST',
    htu: URL_EVENTS,
    ...claims,
  })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'kiosk+jwt', kid: kidA, ...header } as never)
    .sign(key);
}

/** Signs header.payload directly with node:crypto, for headers jose refuses to produce. */
function signRaw(extraHeader: Record<string, unknown>): string {
  const iat = Math.floor(T0.getTime() / 1000);
  const header = b64url({ alg: 'EdDSA', typ: 'kiosk+jwt', kid: kidA, ...extraHeader });
  const payload = b64url({
    sub: DEVICE_A,
    aud: AUDIENCE,
    iat,
    exp: iat + 60,
    jti: 'raw',
    htm: 'POST',
    htu: URL_EVENTS,
  });
  return `${header}.${payload}.${sign(null, Buffer.from(`${header}.${payload}`), keyA.privateKey).toString('base64url')}`;
}

describe('device tokens', () => {
  it('accepts a raw node:crypto signature over a plain header (the helper below is sound)', async () => {
    await expect(verifyDeviceToken(signRaw({}), setup().options)).resolves.toMatchObject({ jti: 'raw' });
  });

  it('mints a token the verifier accepts once, with the device from the key', async () => {
    const { options } = setup();
    const token = await mint();
    const verified = await verifyDeviceToken(token, options);
    expect(verified).toMatchObject({ deviceId: DEVICE_A, kid: kidA });
    expect(verified.expiresAt.getTime() - verified.issuedAt.getTime()).toBe(60_000);
    await expectCode(token, 'TOKEN_REPLAYED', options);
  });

  it('refuses to mint a token that lives longer than 120 s', async () => {
    await expect(mint({ ttlSeconds: 121 })).rejects.toBeInstanceOf(AppError);
  });

  it('rejects algorithm attacks with UNAUTHENTICATED, never a TypeError (JWT-01)', async () => {
    const iat = Math.floor(T0.getTime() / 1000);
    const claims = {
      sub: DEVICE_A,
      aud: AUDIENCE,
      iat,
      exp: iat + 60,
      jti: 'x',
      htm: 'POST',
      htu: URL_EVENTS,
    };
    const none = `${b64url({ alg: 'none', typ: 'kiosk+jwt', kid: kidA })}.${b64url(claims)}.`;
    await expectCode(none, 'UNAUTHENTICATED');
    const rawX = Buffer.from(jwkA.x, 'base64url');
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'kiosk+jwt', kid: kidA })
      .sign(rawX);
    await expectCode(hs256, 'UNAUTHENTICATED');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'kiosk+jwt', kid: kidA })
      .sign(ec.privateKey);
    await expectCode(es256, 'UNAUTHENTICATED');
    await expectCode(await forge({ alg: 'Ed25519' }, {}), 'UNAUTHENTICATED');
    const valid = await mint();
    await expectCode(`${valid.slice(0, valid.lastIndexOf('.'))}.`, 'UNAUTHENTICATED');
    await expectCode(await forge({}, {}, attacker.privateKey), 'UNAUTHENTICATED');
  });

  it('binds the key to the subject and ignores keys the token brings (JWT-06)', async () => {
    await expectCode(await forge({ kid: kidB }, { sub: DEVICE_A }, keyB.privateKey), 'UNAUTHENTICATED');
    await expectCode(await forge({ kid: "' OR 1=1 --" }, {}), 'UNAUTHENTICATED');
    await expectCode(await forge({ kid: 'k'.repeat(1024) }, {}), 'UNAUTHENTICATED');
    await expectCode(await forge({ kid: 'unknownkid' }, {}), 'UNAUTHENTICATED');
    const attackerJwk = await exportJWK(attacker.publicKey);
    await expectCode(await forge({ jwk: attackerJwk }, {}, attacker.privateKey), 'UNAUTHENTICATED');
    await expectCode(await forge({ jku: 'https://evil.example/keys' }, {}), 'UNAUTHENTICATED');
  });

  it('requires typ, aud, htm and htu of this request (JWT-02, JWT-04)', async () => {
    await expectCode(await forge({ typ: 'at+jwt' }, {}), 'UNAUTHENTICATED');
    await expectCode(await forge({ typ: undefined }, {}), 'UNAUTHENTICATED');
    await expectCode(await forge({}, { aud: 'clockface-api' }), 'UNAUTHENTICATED');
    await expectCode(await forge({}, { aud: undefined }), 'UNAUTHENTICATED');
    await expectCode(await mint({ method: 'GET' }), 'UNAUTHENTICATED');
    await expectCode(await mint({ url: URL_ROSTER }), 'UNAUTHENTICATED');
  });

  it('requires exp, iat, jti and sub, and a lifetime of at most 120 s (JWT-03)', async () => {
    for (const claim of ['exp', 'iat', 'jti', 'sub']) {
      await expectCode(await forge({}, { [claim]: undefined }), 'UNAUTHENTICATED');
    }
    const iat = Math.floor(T0.getTime() / 1000);
    await expectCode(await forge({}, { iat, exp: iat + 121 }), 'UNAUTHENTICATED');
  });

  it('answers CLOCK_SKEW for expired, too old or future tokens, within a 30 s tolerance (JWT-03, JWT-05)', async () => {
    const iat = Math.floor(T0.getTime() / 1000);
    await expectCode(await forge({}, { iat: iat - 121, exp: iat - 1 }), 'CLOCK_SKEW');
    await expectCode(await forge({}, { iat: iat - 200, exp: iat + 10 }), 'CLOCK_SKEW');
    await expectCode(await forge({}, { iat: iat + 31, exp: iat + 91 }), 'CLOCK_SKEW');
    await expectCode(await forge({}, { nbf: iat + 60 }), 'CLOCK_SKEW');
    await expectCode(await mint({ clockOffsetMs: 10 * 60_000 }), 'CLOCK_SKEW');
    const { options } = setup();
    await expect(
      verifyDeviceToken(await forge({}, { iat: iat + 25, exp: iat + 85 }), options),
    ).resolves.toBeDefined();
    const fast = setup();
    fast.clock.advance(10 * 60_000);
    await expect(verifyDeviceToken(await mint({ clock: fast.clock }), fast.options)).resolves.toBeDefined();
  });

  it('rejects malformed tokens fast (JWT-07)', async () => {
    const valid = await mint();
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    for (const token of [
      valid.slice(0, 20),
      `${header}.${payload}`,
      `${valid}.extra`,
      `${header}!.${payload}.${signature}`,
      `${b64url('not json')}.${payload}.${signature}`,
      `${header}.${b64url([1, 2])}.${signature}`,
      'a'.repeat(64 * 1024),
      undefined,
      42,
    ]) {
      const started = performance.now();
      await expectCode(token, 'UNAUTHENTICATED');
      expect(performance.now() - started).toBeLessThan(50);
    }
    await expectCode(signRaw({ crit: ['x-unknown'], 'x-unknown': 1 }), 'UNAUTHENTICATED');
    await expectCode(signRaw({ b64: false, crit: ['b64'] }), 'UNAUTHENTICATED');
  });

  it('answers DEVICE_REVOKED for a valid token of a revoked device, and only then', async () => {
    await expectCode(await mint(), 'DEVICE_REVOKED', setup({ revoked: true }).options);
    await expectCode(
      await forge({}, {}, attacker.privateKey),
      'UNAUTHENTICATED',
      setup({ revoked: true }).options,
    );
  });

  it('passes AppErrors from the callbacks through and wraps anything else as INTERNAL', async () => {
    const down = setup({
      findDeviceKey: () => Promise.reject(new AppError('SERVICE_UNAVAILABLE')),
    }).options;
    await expectCode(await mint(), 'SERVICE_UNAVAILABLE', down);
    const broken = setup({ isJtiFresh: () => Promise.reject(new TypeError('x')) }).options;
    await expectCode(await mint(), 'INTERNAL', broken);
  });
});
