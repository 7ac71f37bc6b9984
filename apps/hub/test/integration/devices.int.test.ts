/**
 * Kiosk provisioning and device authentication: enrollment tokens (DEV-01), registration keys
 * (DEV-02), device JWTs (JWT-01…06), revocation (DEV-04), suspension.
 */
import { createPublicKey, generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { ManualClock } from '@clockface/core';
import { schema } from '@clockface/db-hub';
import { deviceKeyId } from '@clockface/sync-protocol';
import { eq } from 'drizzle-orm';
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRuntime } from '../../src/runtime';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';
import {
  HUB_ORIGIN,
  createEnrollmentToken,
  createKeyPair,
  registerKiosk,
  registrationBody,
  type TestKiosk,
} from '../helpers/test-kiosk';

let hub: TestHub;
let clock: ManualClock;
let owner: Awaited<ReturnType<typeof signUpOwner>>;

beforeAll(async () => {
  clock = new ManualClock(new Date());
  hub = await createTestHub({ clock });
  owner = await signUpOwner(hub);
});
afterAll(async () => {
  await hub?.close();
});

const register = (body: unknown) => hub.request('POST', '/api/devices/register', { body });
const asOwner = (method: string, path: string, body?: unknown) =>
  hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });

describe('enrollment tokens and registration', () => {
  it('provisions a kiosk: token shown once and stored hashed, key registered, settings returned', async () => {
    const site = await asOwner('POST', '/sites', { name: 'Depot', timeZone: 'Europe/Berlin' });
    const created = await asOwner('POST', '/enrollment-tokens', {
      siteId: site.body.id,
      label: 'Depot door',
      expiresInHours: 2,
      maxUses: 1,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ siteId: site.body.id, status: 'active', uses: 0, maxUses: 1 });
    const token = created.body.token as string;
    // ≥ 128 random bits (DEV-01): 32 bytes base64url.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.body.provisioningUri).toBe(
      `clockface://provision?hub=${encodeURIComponent(HUB_ORIGIN)}&token=${token}`,
    );
    const [stored] = await hub.runtime.deps.db
      .select()
      .from(schema.enrollmentTokens)
      .where(eq(schema.enrollmentTokens.id, created.body.id));
    expect(stored!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(token);
    const listed = await asOwner('GET', '/enrollment-tokens');
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const { publicJwk } = createKeyPair();
    const registered = await register(registrationBody(token, publicJwk, 'Depot kiosk'));
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      orgId: owner.orgId,
      siteId: site.body.id,
      kid: await deviceKeyId(publicJwk),
      audience: `${HUB_ORIGIN}/api/sync`,
      settings: { timeZone: 'Europe/Berlin' },
    });
    expect(registered.headers.get('date')).toBe(clock.now().toUTCString());

    const devices = await asOwner('GET', '/devices');
    expect(devices.body.items).toContainEqual(
      expect.objectContaining({ id: registered.body.deviceId, name: 'Depot kiosk', status: 'active' }),
    );
    const tokens = await asOwner('GET', '/enrollment-tokens');
    expect(tokens.body.items.find((item: { id: string }) => item.id === created.body.id)).toMatchObject({
      uses: 1,
      status: 'used',
    });
    const audit = await asOwner('GET', '/audit-log?limit=50');
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(
      expect.arrayContaining(['enrollment_token.created', 'device.registered']),
    );
  });

  it('refuses unknown, expired, revoked and used-up tokens with a code for each reason', async () => {
    const unknown = await register(registrationBody('x'.repeat(43), createKeyPair().publicJwk));
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('ENROLLMENT_TOKEN_UNKNOWN');
    expect(unknown.body.detail).toMatch(/not recognised/);

    const expiring = await createEnrollmentToken(hub, owner, { expiresInHours: 1 });
    // Moved into the past in the database: advancing the clock an hour would expire the owner's session too.
    await hub.runtime.deps.db
      .update(schema.enrollmentTokens)
      .set({ expiresAt: new Date(clock.now().getTime() - 1000) })
      .where(eq(schema.enrollmentTokens.id, expiring.tokenId));
    const expired = await register(registrationBody(expiring.token, createKeyPair().publicJwk));
    expect(expired.status).toBe(401);
    expect(expired.body.code).toBe('ENROLLMENT_TOKEN_EXPIRED');
    expect(expired.body.detail).toMatch(/expired/);

    const revoking = await createEnrollmentToken(hub, owner);
    const revoke = await asOwner('POST', `/enrollment-tokens/${revoking.tokenId}/revoke`);
    expect(revoke.status).toBe(200);
    expect(revoke.body.status).toBe('revoked');
    const revoked = await register(registrationBody(revoking.token, createKeyPair().publicJwk));
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('ENROLLMENT_TOKEN_REVOKED');
    expect(revoked.body.detail).toMatch(/revoked/);

    const once = await createEnrollmentToken(hub, owner);
    expect((await register(registrationBody(once.token, createKeyPair().publicJwk))).status).toBe(201);
    const again = await register(registrationBody(once.token, createKeyPair().publicJwk));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ENROLLMENT_TOKEN_USED_UP');
    expect(again.body.detail).toMatch(/already used/);
    // Each code has its own problem type, which the hub documents.
    const problem = await hub.request('GET', again.body.type);
    expect(problem.body).toMatchObject({ code: 'ENROLLMENT_TOKEN_USED_UP', status: 409 });
  });

  it('registration attempts are rate-limited per token (DEV-01)', async () => {
    const body = registrationBody('y'.repeat(43), createKeyPair().publicJwk);
    for (let attempt = 0; attempt < 10; attempt += 1) expect((await register(body)).status).toBe(401);
    const limited = await register(body);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });

  it('two parallel registrations with a 1-use token: exactly one 201, the other 409 (DEV-01)', async () => {
    const { token } = await createEnrollmentToken(hub, owner);
    const responses = await Promise.all([
      register(registrationBody(token, createKeyPair().publicJwk, 'A')),
      register(registrationBody(token, createKeyPair().publicJwk, 'B')),
    ]);
    expect(responses.map((response) => response.status).sort()).toEqual([201, 409]);
  });

  it('accepts only an Ed25519 public JWK; a private key, other key types and a known key are refused (DEV-02)', async () => {
    const { token, tokenId } = await createEnrollmentToken(hub, owner, { maxUses: 5 });
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const privateJwk = privateKey.export({ format: 'jwk' });
    const withD = await register(registrationBody(token, privateJwk));
    expect(withD.status).toBe(422);
    expect(JSON.stringify(withD.body)).not.toContain(privateJwk.d!);

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    expect((await register(registrationBody(token, rsa))).status).toBe(422);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    expect((await register(registrationBody(token, ec))).status).toBe(422);
    expect(
      (await register(registrationBody(token, { kty: 'oct', k: base64url.encode('secret') }))).status,
    ).toBe(422);
    expect((await register(registrationBody(token, { kty: 'OKP', crv: 'Ed25519', x: 'abc' }))).status).toBe(
      422,
    );

    const publicJwk = publicKey.export({ format: 'jwk' });
    expect((await register(registrationBody(token, publicJwk))).status).toBe(201);
    const sameKey = await register(registrationBody(token, publicJwk));
    expect(sameKey.status).toBe(409);
    // The refused attempts gave their use back: only the one success counts.
    const tokens = await asOwner('GET', '/enrollment-tokens');
    expect(tokens.body.items.find((item: { id: string }) => item.id === tokenId).uses).toBe(1);
  });
});

it('documents the device and sync API in the OpenAPI document', async () => {
  const document = await hub.request('GET', '/api/openapi.json');
  expect(document.status).toBe(200);
  expect(Object.keys(document.body.paths)).toEqual(
    expect.arrayContaining([
      '/api/devices/register',
      '/api/sync/events',
      '/api/sync/roster',
      '/api/sync/heartbeat',
      '/api/sync/settings',
      '/api/orgs/{orgId}/enrollment-tokens',
      '/api/orgs/{orgId}/devices/{deviceId}/revoke',
    ]),
  );
  expect(
    document.body.paths['/api/sync/events'].post.requestBody.content['application/json'].schema,
  ).toMatchObject({ type: 'object' });
});

describe('device administration', () => {
  let kiosk: TestKiosk;
  beforeAll(async () => {
    kiosk = await registerKiosk(hub, (await createEnrollmentToken(hub, owner)).token);
  });

  it('renames a device (audited) and refuses users without devices.write', async () => {
    const renamed = await asOwner('PATCH', `/devices/${kiosk.deviceId}`, { name: 'Warehouse gate' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Warehouse gate');
    const one = await asOwner('GET', `/devices/${kiosk.deviceId}`);
    expect(one.body).toMatchObject({ name: 'Warehouse gate', kid: kiosk.kid, lastSeq: 0 });
    const audit = await asOwner('GET', `/audit-log?entityId=${kiosk.deviceId}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toContain('device.renamed');
  });

  it('revocation ends access at the next request: 401 DEVICE_REVOKED (DEV-04)', async () => {
    const doomed = await registerKiosk(hub, (await createEnrollmentToken(hub, owner)).token);
    expect((await doomed.request('GET', '/api/sync/settings')).status).toBe(200);
    const revoked = await asOwner('POST', `/devices/${doomed.deviceId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    const next = await doomed.request('GET', '/api/sync/settings');
    expect(next.status).toBe(401);
    expect(next.body).toMatchObject({ code: 'DEVICE_REVOKED', type: '/api/problems/device-revoked' });
  });

  it('a suspended org: registration 403 and device requests 403', async () => {
    const other = await signUpOwner(hub);
    const spare = await createEnrollmentToken(hub, other);
    const device = await registerKiosk(hub, (await createEnrollmentToken(hub, other)).token);
    await hub.runtime.deps.db
      .update(schema.organizations)
      .set({ status: 'suspended' })
      .where(eq(schema.organizations.id, other.orgId));
    const registration = await register(registrationBody(spare.token, createKeyPair().publicJwk));
    expect(registration.status).toBe(403);
    expect(registration.body.code).toBe('ORGANIZATION_SUSPENDED');
    const sync = await device.request('GET', '/api/sync/settings');
    expect(sync.status).toBe(403);
  });
});

describe('device tokens (JWT-01…06)', () => {
  let kiosk: TestKiosk;
  let other: TestKiosk;
  const path = '/api/sync/settings';
  const url = `${HUB_ORIGIN}${path}`;

  beforeAll(async () => {
    kiosk = await registerKiosk(hub, (await createEnrollmentToken(hub, owner)).token);
    other = await registerKiosk(hub, (await createEnrollmentToken(hub, owner)).token);
  });

  const now = () => Math.floor(clock.now().getTime() / 1000);
  function claims(overrides: Record<string, unknown> = {}) {
    return {
      sub: kiosk.deviceId,
      aud: kiosk.audience,
      iat: now(),
      exp: now() + 60,
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu: url,
      ...overrides,
    };
  }
  const header = (overrides: Record<string, unknown> = {}) => ({
    alg: 'EdDSA',
    typ: 'kiosk+jwt',
    kid: kiosk.kid,
    ...overrides,
  });
  async function sign(
    payload: Record<string, unknown>,
    protectedHeader: Record<string, unknown> = header(),
    key: Parameters<SignJWT['sign']>[0] = kiosk.privateKey,
  ) {
    const clean = Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined));
    return new SignJWT(clean).setProtectedHeader(protectedHeader as never).sign(key);
  }
  const send = (token: string, method = 'GET', target = path) =>
    hub.request(method, target, { token, ...(method === 'POST' ? { body: {} } : {}) });

  async function expect401(token: string, method?: string, target?: string) {
    const response = await send(token, method, target);
    expect({ status: response.status, type: response.body?.type }).toEqual({
      status: 401,
      type: expect.stringMatching(/^\/api\/problems\//),
    });
    return response;
  }

  it('a correctly signed token works, and the answer carries the hub time in Date', async () => {
    const response = await send(await sign(claims()));
    expect(response.status).toBe(200);
    expect(response.body.timeZone).toBe('Europe/Berlin');
    expect(response.headers.get('date')).toBe(clock.now().toUTCString());
  });

  it('algorithm allow-list: none, HS256 with the public key, ES256, alg Ed25519, empty signature → 401', async () => {
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    await expect401(`${encode(header({ alg: 'none' }))}.${encode(claims())}.`);
    const publicKey = createPublicKey(kiosk.privateKey);
    const rawX = base64url.decode(publicKey.export({ format: 'jwk' }).x!);
    await expect401(await sign(claims(), header({ alg: 'HS256' }), rawX));
    const spki = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    await expect401(await sign(claims(), header({ alg: 'HS256' }), new TextEncoder().encode(spki)));
    const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await expect401(await sign(claims(), header({ alg: 'ES256' }), attackerEc));
    await expect401(await sign(claims(), header({ alg: 'Ed25519' })));
    const valid = await sign(claims());
    await expect401(`${valid.split('.').slice(0, 2).join('.')}.`);
    // An attacker's EdDSA key with a real device's kid.
    const attacker = generateKeyPairSync('ed25519').privateKey;
    await expect401(await sign(claims(), header(), attacker));
  });

  it('wrong or missing typ and aud, missing exp/iat/jti, a too-long lifetime → 401 (JWT-02, JWT-03)', async () => {
    await expect401(await sign(claims(), header({ typ: 'at+jwt' })));
    await expect401(await sign(claims(), header({ typ: undefined })));
    await expect401(await sign(claims({ aud: 'clockface-api' })));
    await expect401(await sign(claims({ aud: undefined })));
    await expect401(await sign(claims({ exp: undefined })));
    await expect401(await sign(claims({ iat: undefined })));
    await expect401(await sign(claims({ jti: undefined })));
    await expect401(await sign(claims({ exp: now() + 600 })));
    await expect401(await sign(claims({ nbf: now() + 300 })));
  });

  it('a token older than 120 s is refused as CLOCK_SKEW; a kiosk 10 min fast gets the hub time and succeeds after correcting', async () => {
    const token = await kiosk.token('GET', path);
    clock.advance(150_000);
    const stale = await expect401(token);
    expect(stale.body.code).toBe('CLOCK_SKEW');

    const fast = await kiosk.request('GET', path, { clockOffsetMs: 10 * 60_000 });
    expect(fast.status).toBe(401);
    expect(fast.body.code).toBe('CLOCK_SKEW');
    const hubTime = new Date(fast.headers.get('date')!).getTime();
    expect(hubTime).toBe(Math.floor(clock.now().getTime() / 1000) * 1000);
    // The kiosk measures hub − device from Date (its own clock is 10 min ahead) and retries.
    const deviceNow = clock.now().getTime() + 10 * 60_000;
    const offset = hubTime - deviceNow;
    const corrected = await kiosk.request('GET', path, { clockOffsetMs: 10 * 60_000 + offset });
    expect(corrected.status).toBe(200);
  });

  it('a replayed token → 401 TOKEN_REPLAYED, on another hub instance too; a token for another method or path → 401 (JWT-04)', async () => {
    const token = await kiosk.token('GET', path);
    expect((await send(token)).status).toBe(200);
    const replay = await expect401(token);
    expect(replay.body.code).toBe('TOKEN_REPLAYED');

    // A second hub instance on the same database refuses a token the first one accepted.
    const second = await startRuntime(hub.runtime.deps.config, {
      clock,
      connection: hub.database.connection,
      withJobs: false,
    });
    try {
      const shared = await kiosk.token('GET', path);
      const first = await hub.runtime.app.request(path, { headers: { authorization: `Bearer ${shared}` } });
      expect(first.status).toBe(200);
      const other = await second.app.request(path, { headers: { authorization: `Bearer ${shared}` } });
      expect(other.status).toBe(401);
      expect(((await other.json()) as { code: string }).code).toBe('TOKEN_REPLAYED');
    } finally {
      await second.close();
    }

    const forRoster = await kiosk.token('GET', '/api/sync/roster');
    await expect401(forRoster, 'GET', path);
    const forGet = await kiosk.token('GET', '/api/sync/heartbeat');
    await expect401(forGet, 'POST', '/api/sync/heartbeat');
  });

  it("kid is a lookup key only: B's key with sub A, injected kids and embedded keys → 401 (JWT-06)", async () => {
    await expect401(
      await sign(claims({ sub: kiosk.deviceId }), header({ kid: other.kid }), other.privateKey),
    );
    for (const kid of ["' OR 1=1 --", 'k'.repeat(1024), 'not-a-thumbprint!']) {
      await expect401(await sign(claims(), header({ kid })));
    }
    const attacker = generateKeyPairSync('ed25519');
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    await expect401(await sign(claims(), header({ jwk }), attacker.privateKey));
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      await expect401(await sign(claims(), header({ jku: 'https://attacker.example/keys' })));
      await expect401(await sign(claims(), header({ x5u: 'https://attacker.example/cert.pem' })));
      // No key is ever fetched from a URL the token names (SSRF).
      expect(fetchSpy).not.toHaveBeenCalled();
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('malformed tokens, crit/b64 headers and oversized headers fail fast with 401, never 500 (JWT-07)', async () => {
    const valid = await kiosk.token('GET', path);
    const [head, body, signature] = valid.split('.');
    for (const token of [
      valid.slice(0, valid.length - 10),
      `${head}.${body}`,
      `${head}.${body}.${signature}.${signature}`,
      `${head}!.${body}.${signature}`,
      `${base64url.encode('not json')}.${body}.${signature}`,
      `${head}.${base64url.encode('[1,2]')}.${signature}`,
      `${head}.${'A'.repeat(64 * 1024)}.${signature}`,
    ]) {
      const started = performance.now();
      const response = await hub.request('GET', path, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(401);
      expect(performance.now() - started).toBeLessThan(250);
    }
    // jose will not sign these, so they are signed by hand with the device's real key.
    const signRaw = (protectedHeader: object) => {
      const input = `${base64url.encode(JSON.stringify(protectedHeader))}.${base64url.encode(JSON.stringify(claims()))}`;
      return `${input}.${base64url.encode(signBytes(null, Buffer.from(input), kiosk.privateKey))}`;
    };
    await expect401(signRaw(header({ crit: ['x-unknown'], 'x-unknown': 1 })));
    await expect401(signRaw(header({ b64: false, crit: ['b64'] })));
    const huge = await hub.request('GET', path, { headers: { authorization: `Bearer ${'a'.repeat(9000)}` } });
    expect(huge.status).toBe(401);
  });

  it('more than the allowed requests a minute from one device → 429 with Retry-After (DEV-07)', async () => {
    const busy = await registerKiosk(hub, (await createEnrollmentToken(hub, owner)).token);
    const limit = hub.runtime.deps.config.deviceRequestsPerMinute;
    expect(limit).toBe(60);
    for (let index = 0; index < limit; index += 1) {
      expect((await busy.request('GET', path)).status).toBe(200);
    }
    const limited = await busy.request('GET', path);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('token kinds do not mix: a user token on /api/sync and a device token on /api/orgs → 401 (JWT-02)', async () => {
    await expect401(owner.accessToken);
    const deviceToken = await kiosk.token('GET', `/api/orgs/${owner.orgId}/devices`);
    const response = await hub.request('GET', `/api/orgs/${owner.orgId}/devices`, { token: deviceToken });
    expect(response.status).toBe(401);
    const none = await hub.request('GET', path);
    expect(none.status).toBe(401);
    const garbage = await send('a.b.c');
    expect(garbage.status).toBe(401);
  });
});
