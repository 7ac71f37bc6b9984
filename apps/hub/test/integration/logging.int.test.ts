/** LOG-01: secrets never reach a log line, and every line of a request carries its request id. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { createTestHub, readMailToken, type TestHub } from '../helpers/test-hub';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});
let hub: TestHub;

beforeAll(async () => {
  // The production logger at its most verbose level, writing into memory.
  hub = await createTestHub({ logger: createLogger('trace', sink) });
});
afterAll(async () => {
  await hub?.close();
});

describe('logs', () => {
  it('hold no password, access token, refresh token or reset token, even on failures', async () => {
    const password = 'CANARY-password-7f3a9';
    const email = 'canary.person@example.com';
    const signup = await hub.request('POST', '/api/auth/signup', {
      body: { organizationName: 'Canary Org', name: 'Canary', email, password },
    });
    const { accessToken, refreshToken } = signup.body.tokens;
    await hub.request('POST', '/api/auth/login', { body: { email, password: 'CANARY-wrong-password-1' } });
    await hub.request('POST', '/api/auth/refresh', { body: { refreshToken } });
    await hub.request('GET', '/api/auth/me', { token: accessToken });
    await hub.request('GET', '/api/auth/me', { token: `${accessToken}tampered` });
    await hub.request('POST', '/api/auth/password/forgot', { body: { email } });
    const resetToken = await readMailToken(hub, email, 'password_reset');
    await hub.request('POST', '/api/auth/password/reset', {
      body: { token: resetToken, newPassword: 'CANARY-new-password-2' },
    });

    const everything = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of [
      password,
      'CANARY-wrong-password-1',
      'CANARY-new-password-2',
      accessToken,
      refreshToken,
      resetToken,
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/authorization|cookie/i);
  });

  it('are JSON with the request id on every request line, and injected newlines stay inside one line', async () => {
    lines.length = 0;
    await hub.request('POST', '/api/auth/login', {
      body: { email: 'x@example.com', password: 'line one\n{"level":30,"msg":"forged"}' },
      headers: { 'x-request-id': 'req-log-test-1' },
    });
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requestLines = parsed.filter((line) => line.requestId === 'req-log-test-1');
    expect(requestLines.length).toBeGreaterThanOrEqual(2);
    expect(parsed.some((line) => line.msg === 'forged')).toBe(false);
    expect(requestLines.find((line) => line.msg === 'request')).toMatchObject({
      method: 'POST',
      path: '/api/auth/login',
      status: 401,
    });
  });
});
