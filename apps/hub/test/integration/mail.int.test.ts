import { listMailTo } from '@clockface/db-hub/queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, signUpOwner, type TestHub } from '../helpers/test-hub';

let hub: TestHub;

beforeAll(async () => {
  // The real pg-boss queue with its workers, on this file's own database.
  hub = await createTestHub({ withJobs: true, env: { RUN_JOBS: 'true' } });
});
afterAll(async () => {
  await hub?.close();
});

describe('mail through the job queue', () => {
  it('delivers outbox mail to the dev outbox when no SMTP server is configured', async () => {
    const owner = await signUpOwner(hub);
    expect(
      (await hub.request('POST', '/api/auth/password/forgot', { body: { email: owner.email } })).status,
    ).toBe(202);
    const deadline = Date.now() + 20_000;
    let mail = (await listMailTo(hub.runtime.deps.db, { to: owner.email }))[0];
    while (!mail?.deliveredAt && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      mail = (await listMailTo(hub.runtime.deps.db, { to: owner.email }))[0];
    }
    expect(mail).toMatchObject({ template: 'password_reset', transport: 'dev-outbox' });
    expect(mail!.deliveredAt).toBeInstanceOf(Date);
  });
});
