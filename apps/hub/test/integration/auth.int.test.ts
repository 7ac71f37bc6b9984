import { ManualClock } from '@clockface/core';
import { schema } from '@clockface/db-hub';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, readMailToken, signUpOwner, signupBody, type TestHub } from '../helpers/test-hub';

let hub: TestHub;
const clock = new ManualClock('2026-11-22T09:00:00Z');

beforeAll(async () => {
  hub = await createTestHub({ clock });
});
afterAll(async () => {
  await hub?.close();
});

describe('signup', () => {
  it('creates the user, an organisation they own, and tokens', async () => {
    const body = signupBody({ organizationName: 'Acme Bakery', name: 'Ann Owner' });
    const response = await hub.request('POST', '/api/auth/signup', { body });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ email: body.email, name: 'Ann Owner', isSuperadmin: false });
    expect(response.body.organization).toMatchObject({
      name: 'Acme Bakery',
      status: 'active',
      timeZone: 'UTC',
    });
    expect(response.body.tokens.tokenType).toBe('Bearer');

    const me = await hub.request('GET', '/api/auth/me', { token: response.body.tokens.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.memberships).toHaveLength(1);
    expect(me.body.memberships[0]).toMatchObject({
      role: 'owner',
      organization: { id: response.body.organization.id },
    });
    expect(me.body.memberships[0].permissions).toContain('members.write');
  });

  it('stores an argon2id hash with a unique salt, never the password', async () => {
    const first = await signUpOwner(hub, { password: 'the same long password' });
    const second = await signUpOwner(hub, { password: 'the same long password' });
    const rows = await hub.runtime.deps.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.id, first.userId));
    const other = await hub.runtime.deps.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.id, second.userId));
    expect(rows[0]!.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0]!.passwordHash).not.toBe(other[0]!.passwordHash);
    expect(rows[0]!.passwordHash).not.toContain('the same long password');
  });

  it('refuses a taken email, short and guessable passwords, with field errors', async () => {
    const owner = await signUpOwner(hub);
    const taken = await hub.request('POST', '/api/auth/signup', { body: signupBody({ email: owner.email }) });
    expect(taken.status).toBe(409);
    expect(taken.headers.get('content-type')).toContain('application/problem+json');

    const short = await hub.request('POST', '/api/auth/signup', { body: signupBody({ password: 'short' }) });
    expect(short.status).toBe(422);
    expect(short.body.errors).toEqual([{ path: 'password', message: expect.stringContaining('12') }]);

    const guessable = await hub.request('POST', '/api/auth/signup', {
      body: signupBody({ password: 'password1234' }),
    });
    expect(guessable.status).toBe(422);
    const withOrgName = await hub.request('POST', '/api/auth/signup', {
      body: signupBody({ organizationName: 'Sunflower Farms', password: 'sunflower farms' }),
    });
    expect(withOrgName.status).toBe(422);
  });

  it('accepts long passphrases with spaces and emoji and does not truncate them', async () => {
    const password = `${'x'.repeat(80)} 🌻 ok`;
    const owner = await signUpOwner(hub, { password });
    expect(
      (await hub.request('POST', '/api/auth/login', { body: { email: owner.email, password } })).status,
    ).toBe(200);
    const differsLate = `${'x'.repeat(80)} 🌻 no`;
    expect(
      (await hub.request('POST', '/api/auth/login', { body: { email: owner.email, password: differsLate } }))
        .status,
    ).toBe(401);
  });
});

describe('login', () => {
  it('answers a wrong password and an unknown email identically', async () => {
    const owner = await signUpOwner(hub);
    const wrong = await hub.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: 'not the password!' },
    });
    const unknown = await hub.request('POST', '/api/auth/login', {
      body: { email: 'nobody@example.com', password: 'not the password!' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const { requestId: _a, ...wrongBody } = wrong.body;
    const { requestId: _b, ...unknownBody } = unknown.body;
    expect(wrongBody).toEqual(unknownBody);
    expect(wrongBody.code).toBe('INVALID_CREDENTIALS');
  });

  it('blocks an account after 10 failures with 429 and Retry-After, even for the right password', async () => {
    const owner = await signUpOwner(hub);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      const response = await hub.request('POST', '/api/auth/login', {
        body: { email: owner.email, password: `wrong password ${attempt}` },
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(statuses.slice(9)).toEqual([429, 429]);
    const blocked = await hub.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: owner.password },
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body.code).toBe('RATE_LIMITED');

    // Another account is unaffected.
    const other = await signUpOwner(hub);
    expect(
      (
        await hub.request('POST', '/api/auth/login', {
          body: { email: other.email, password: other.password },
        })
      ).status,
    ).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('rotate on every use; a reused token revokes the whole session', async () => {
    const owner = await signUpOwner(hub);
    const first = await hub.request('POST', '/api/auth/refresh', {
      body: { refreshToken: owner.refreshToken },
    });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(owner.refreshToken);

    const second = await hub.request('POST', '/api/auth/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(second.status).toBe(200);

    // The first token again: theft is assumed, the family dies, including the newest token.
    const reuse = await hub.request('POST', '/api/auth/refresh', {
      body: { refreshToken: owner.refreshToken },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    const newest = await hub.request('POST', '/api/auth/refresh', {
      body: { refreshToken: second.body.refreshToken },
    });
    expect(newest.status).toBe(401);
    // And so does the access token of that session.
    expect((await hub.request('GET', '/api/auth/me', { token: second.body.accessToken })).status).toBe(401);
  });

  it('stores only hashes of refresh tokens', async () => {
    const owner = await signUpOwner(hub);
    const rows = await hub.runtime.deps.db.select().from(schema.refreshTokens);
    expect(rows.some((row) => row.tokenHash === owner.refreshToken)).toBe(false);
    expect(rows.every((row) => /^[0-9a-f]{64}$/.test(row.tokenHash))).toBe(true);
  });

  it('two concurrent refreshes with one token: exactly one wins', async () => {
    const owner = await signUpOwner(hub);
    const results = await Promise.all([
      hub.request('POST', '/api/auth/refresh', { body: { refreshToken: owner.refreshToken } }),
      hub.request('POST', '/api/auth/refresh', { body: { refreshToken: owner.refreshToken } }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 401]);
  });

  it('expire after the idle timeout', async () => {
    const owner = await signUpOwner(hub);
    clock.advance(31 * 60 * 1000);
    const late = await hub.request('POST', '/api/auth/refresh', {
      body: { refreshToken: owner.refreshToken },
    });
    expect(late.status).toBe(401);
  });
});

describe('password reset requests', () => {
  it('are limited per address, for unknown addresses too, with 429 and Retry-After', async () => {
    for (const email of ['limited@example.com', 'nobody-here@example.com']) {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt++) {
        statuses.push((await hub.request('POST', '/api/auth/password/forgot', { body: { email } })).status);
      }
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    }
  });
});

describe('sessions', () => {
  it('logout ends the session at the next request, though the access token has not expired', async () => {
    const owner = await signUpOwner(hub);
    expect((await hub.request('POST', '/api/auth/logout', { token: owner.accessToken })).status).toBe(204);
    expect((await hub.request('GET', '/api/auth/me', { token: owner.accessToken })).status).toBe(401);
    expect(
      (await hub.request('POST', '/api/auth/refresh', { body: { refreshToken: owner.refreshToken } })).status,
    ).toBe(401);
  });

  it('lists active sessions with browser and lets the user revoke one', async () => {
    const owner = await signUpOwner(hub);
    const laptop = await hub.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: owner.password },
      headers: { 'user-agent': 'Laptop Browser/1.0' },
    });
    const list = await hub.request('GET', '/api/auth/sessions', { token: owner.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    const other = list.body.items.find((session: { current: boolean }) => !session.current);
    expect(other.userAgent).toBe('Laptop Browser/1.0');

    expect(
      (await hub.request('DELETE', `/api/auth/sessions/${other.id}`, { token: owner.accessToken })).status,
    ).toBe(204);
    expect((await hub.request('GET', '/api/auth/me', { token: laptop.body.tokens.accessToken })).status).toBe(
      401,
    );
    expect((await hub.request('GET', '/api/auth/me', { token: owner.accessToken })).status).toBe(200);

    // Someone else's session id is simply not found.
    const stranger = await signUpOwner(hub);
    const strangerSessions = await hub.request('GET', '/api/auth/sessions', { token: stranger.accessToken });
    const strangerSession = strangerSessions.body.items[0].id;
    expect(
      (await hub.request('DELETE', `/api/auth/sessions/${strangerSession}`, { token: owner.accessToken }))
        .status,
    ).toBe(404);
  });
});

describe('passwords', () => {
  it('change needs the current password and signs out other sessions', async () => {
    const owner = await signUpOwner(hub);
    const other = await hub.request('POST', '/api/auth/login', {
      body: { email: owner.email, password: owner.password },
    });

    const wrong = await hub.request('POST', '/api/auth/password', {
      token: owner.accessToken,
      body: { currentPassword: 'not my password', newPassword: 'a brand new passphrase' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].path).toBe('currentPassword');

    const changed = await hub.request('POST', '/api/auth/password', {
      token: owner.accessToken,
      body: { currentPassword: owner.password, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(204);
    expect((await hub.request('GET', '/api/auth/me', { token: owner.accessToken })).status).toBe(200);
    expect((await hub.request('GET', '/api/auth/me', { token: other.body.tokens.accessToken })).status).toBe(
      401,
    );
    expect(
      (
        await hub.request('POST', '/api/auth/login', {
          body: { email: owner.email, password: owner.password },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await hub.request('POST', '/api/auth/login', {
          body: { email: owner.email, password: 'a brand new passphrase' },
        })
      ).status,
    ).toBe(200);
  });

  it('forgot/reset: the emailed token works once, ends every session, and expires', async () => {
    const owner = await signUpOwner(hub);
    expect(
      (await hub.request('POST', '/api/auth/password/forgot', { body: { email: owner.email } })).status,
    ).toBe(202);
    // Unknown emails get the same answer.
    expect(
      (await hub.request('POST', '/api/auth/password/forgot', { body: { email: 'ghost@example.com' } }))
        .status,
    ).toBe(202);

    const token = await readMailToken(hub, owner.email, 'password_reset');
    const reset = await hub.request('POST', '/api/auth/password/reset', {
      body: { token, newPassword: 'reset to something long' },
    });
    expect(reset.status).toBe(204);
    expect((await hub.request('GET', '/api/auth/me', { token: owner.accessToken })).status).toBe(401);
    const again = await hub.request('POST', '/api/auth/password/reset', {
      body: { token, newPassword: 'another long password' },
    });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('INVALID_TOKEN');
    expect(
      (
        await hub.request('POST', '/api/auth/login', {
          body: { email: owner.email, password: 'reset to something long' },
        })
      ).status,
    ).toBe(200);

    await hub.request('POST', '/api/auth/password/forgot', { body: { email: owner.email } });
    const expiring = await readMailToken(hub, owner.email, 'password_reset');
    clock.advance(31 * 60 * 1000);
    const late = await hub.request('POST', '/api/auth/password/reset', {
      body: { token: expiring, newPassword: 'too late for this one' },
    });
    expect(late.status).toBe(400);
  });
});
