import { ManualClock } from '@clockface/core';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countAllRows } from '../helpers/db-snapshot';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const clock = new ManualClock('2026-11-22T09:00:00Z');

beforeAll(async () => {
  hub = await createTestHub({ clock });
  owner = await signUpOwner(hub);
});
afterAll(async () => {
  await hub?.close();
});

/** Every rejected request below must leave the database exactly as it was. */
async function expectUnchanged(action: () => Promise<void>) {
  const before = await countAllRows(hub.runtime.deps.db);
  await action();
  expect(await countAllRows(hub.runtime.deps.db)).toEqual(before);
}

function expectProblem(
  response: { status: number; headers: Headers; body: Record<string, unknown> },
  status: number,
  code: string,
) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  expect(response.body).toMatchObject({
    status,
    code,
    type: expect.stringMatching(/^\/api\/problems\//),
    title: expect.any(String),
  });
  expect(response.body.requestId).toBe(response.headers.get('x-request-id'));
  expect(JSON.stringify(response.body)).not.toMatch(/at .+\.ts:\d+|select |insert |postgres|drizzle/i);
}

describe('bad request bodies', () => {
  it('malformed JSON → 400', async () => {
    await expectUnchanged(async () => {
      const response = await hub.request('POST', '/api/auth/signup', {
        body: '{"organizationName": "Acme",',
      });
      expectProblem(response, 400, 'MALFORMED_JSON');
    });
  });

  it('wrong types → 422 listing every field path', async () => {
    await expectUnchanged(async () => {
      const response = await hub.request('POST', '/api/auth/signup', {
        body: { organizationName: 42, name: '', email: 'not-an-email', password: ['x'] },
      });
      expectProblem(response, 422, 'VALIDATION_FAILED');
      expect([...new Set(response.body.errors.map((error: { path: string }) => error.path))].sort()).toEqual([
        'email',
        'name',
        'organizationName',
        'password',
      ]);
    });
  });

  it('unknown fields → 422 naming them (no mass assignment)', async () => {
    await expectUnchanged(async () => {
      const response = await hub.request('PATCH', `/api/orgs/${owner.orgId}`, {
        token: owner.accessToken,
        body: { name: 'Renamed', status: 'active', id: '00000000-0000-0000-0000-000000000000' },
      });
      expectProblem(response, 422, 'VALIDATION_FAILED');
      expect(response.body.errors[0].message).toMatch(/Unknown field\(s\): status, id/);
    });
  });

  it('prototype pollution attempts are refused and pollute nothing', async () => {
    await expectUnchanged(async () => {
      const response = await hub.request('PATCH', `/api/orgs/${owner.orgId}`, {
        token: owner.accessToken,
        body: '{"name":"x","__proto__":{"isAdmin":true}}',
      });
      expect(response.status).toBe(422);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });
  });

  it('a body over the limit → 413, with Content-Length and when chunked', async () => {
    const huge = JSON.stringify({ organizationName: 'x'.repeat(2 * 1024 * 1024) });
    await expectUnchanged(async () => {
      const response = await hub.request('POST', '/api/auth/signup', { body: huge });
      expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');

      const chunks = new TextEncoder().encode(huge);
      const stream = new ReadableStream({
        start(controller) {
          for (let offset = 0; offset < chunks.length; offset += 64 * 1024)
            controller.enqueue(chunks.slice(offset, offset + 64 * 1024));
          controller.close();
        },
      });
      const chunked = await hub.runtime.app.request('/api/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(413);
    });
  });

  it('a non-JSON content type → 415', async () => {
    await expectUnchanged(async () => {
      const form = await hub.request('POST', '/api/auth/login', {
        body: 'email=a%40b.c&password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
      const text = await hub.request('POST', '/api/auth/login', {
        body: '{}',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.status).toBe(415);
    });
  });
});

describe('unknown things', () => {
  it('unknown or malformed org ids → 404, the same as another org', async () => {
    for (const orgId of ['6f1e3d1c-0000-7000-8000-000000000000', 'not-a-uuid', "' or 1=1 --"]) {
      const response = await hub.request('GET', `/api/orgs/${encodeURIComponent(orgId)}/sites`, {
        token: owner.accessToken,
      });
      expectProblem(response, 404, 'NOT_FOUND');
    }
  });

  it('unknown routes → 404 problem+json', async () => {
    expectProblem(await hub.request('GET', '/api/nothing-here'), 404, 'NOT_FOUND');
  });
});

describe('bad tokens → 401 and never a 500', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = () => ({
    sub: owner.userId,
    sid: '00000000-0000-7000-8000-000000000000',
    iss: 'http://hub.test',
    aud: 'clockface-api',
    iat: Math.floor(clock.now().getTime() / 1000),
    exp: Math.floor(clock.now().getTime() / 1000) + 300,
  });

  it.each([
    ['alg none', () => `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(claims())}.`],
    ['garbage', () => 'not.a.token'],
    ['two segments', () => `${encode({ alg: 'EdDSA' })}.${encode(claims())}`],
    ['empty signature', () => `${owner.accessToken.split('.').slice(0, 2).join('.')}.`],
    [
      'tampered payload',
      () => {
        const [header, , signature] = owner.accessToken.split('.');
        return `${header}.${encode({ ...claims(), sub: '00000000-0000-7000-8000-000000000001' })}.${signature}`;
      },
    ],
  ])('%s', async (_name, makeToken) => {
    await expectUnchanged(async () => {
      const response = await hub.request('GET', `/api/orgs/${owner.orgId}/sites`, { token: makeToken() });
      expectProblem(response, 401, 'UNAUTHENTICATED');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });
  });

  it('HS256 keyed with a guess, and EdDSA from an attacker key', async () => {
    const hmac = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode('a'.repeat(32)));
    expectProblem(await hub.request('GET', '/api/auth/me', { token: hmac }), 401, 'UNAUTHENTICATED');

    const attacker = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .sign(attacker.privateKey);
    expectProblem(await hub.request('GET', '/api/auth/me', { token: forged }), 401, 'UNAUTHENTICATED');
  });

  it('an expired access token', async () => {
    const login = await hub.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: owner.password },
    });
    clock.advance(11 * 60 * 1000);
    expectProblem(
      await hub.request('GET', '/api/auth/me', { token: login.body.tokens.accessToken }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('a reused refresh token', async () => {
    const login = await hub.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: owner.password },
    });
    await hub.request('POST', '/api/auth/refresh', {
      body: { refreshToken: login.body.tokens.refreshToken },
    });
    const reuse = await hub.request('POST', '/api/auth/refresh', {
      body: { refreshToken: login.body.tokens.refreshToken },
    });
    expectProblem(reuse, 401, 'REFRESH_TOKEN_REUSED');
  });

  it('an oversized Authorization header', async () => {
    const response = await hub.request('GET', '/api/auth/me', { token: 'a'.repeat(10_000) });
    expectProblem(response, 401, 'UNAUTHENTICATED');
  });
});
