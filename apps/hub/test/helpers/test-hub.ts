/** The real hub app on a fresh database, driven through app.request() (no socket needed). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManualClock } from '@clockface/core';
import { systemClock, type Clock } from '@clockface/core';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config';
import { startRuntime, type HubRuntime } from '../../src/runtime';
import { createTestDatabase, type TestDatabase } from './test-db';

export interface TestHub {
  runtime: HubRuntime;
  database: TestDatabase;
  clock: Clock;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  text: string;
}

export async function createTestHub(
  options: { clock?: ManualClock; env?: Record<string, string>; withJobs?: boolean; logger?: Logger } = {},
): Promise<TestHub> {
  const database = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'clockface-hub-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PUBLIC_URL: 'http://hub.test',
    RUN_JOBS: 'false',
    ...options.env,
  });
  const clock = options.clock ?? systemClock;
  const runtime = await startRuntime(config, {
    clock,
    connection: database.connection,
    withJobs: options.withJobs ?? false,
    ...(options.logger ? { logger: options.logger } : {}),
  });

  async function request(
    method: string,
    path: string,
    init: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await runtime.app.request(path, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }

  return {
    runtime,
    database,
    clock,
    request,
    async close() {
      await runtime.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A unique, valid signup body. */
export function signupBody(
  overrides: Partial<{ organizationName: string; name: string; email: string; password: string }> = {},
) {
  counter += 1;
  return {
    organizationName: `Org ${counter}`,
    name: `Person ${counter}`,
    email: `person${counter}.${Date.now()}@example.com`,
    password: 'a long enough passphrase',
    ...overrides,
  };
}

/** Signs up a new owner with their own org; returns ids and tokens. */
export async function signUpOwner(hub: TestHub, overrides: Parameters<typeof signupBody>[0] = {}) {
  const body = signupBody(overrides);
  const response = await hub.request('POST', '/api/auth/signup', { body });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${response.text}`);
  return {
    email: body.email,
    password: body.password,
    userId: response.body.user.id as string,
    orgId: response.body.organization.id as string,
    accessToken: response.body.tokens.accessToken as string,
    refreshToken: response.body.tokens.refreshToken as string,
  };
}

/** Reads the newest outbox mail to an address and pulls the token out of its link. */
export async function readMailToken(hub: TestHub, to: string, template: string): Promise<string> {
  const { listMailTo } = await import('@clockface/db-hub/queries');
  const mail = (await listMailTo(hub.runtime.deps.db, { to }))
    .filter((row) => row.template === template)
    .at(-1);
  const token = mail?.text.match(/#token=([A-Za-z0-9_-]+)/)?.[1];
  if (!token) throw new Error(`no ${template} mail with a token to ${to}`);
  return token;
}
