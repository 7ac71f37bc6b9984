/**
 * A kiosk as the hub sees one: a real Ed25519 key pair, registration, device JWTs and signed
 * batches made with sync-protocol's own kiosk-side functions.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import type { TDevicePublicJwk, TPunchEvent, TPunchType } from '@clockface/contracts/sync';
import { SYNC_PROTOCOL_VERSION } from '@clockface/contracts/sync';
import { uuidv7 } from '@clockface/core';
import {
  appendToChain,
  createEventBatch,
  genesisHead,
  mintDeviceToken,
  type ChainHead,
} from '@clockface/sync-protocol';
import { expect } from 'vitest';
import type { TestHub, TestResponse } from './test-hub';

export const HUB_ORIGIN = 'http://hub.test';

export function createKeyPair(): { privateKey: KeyObject; publicJwk: TDevicePublicJwk } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { x } = publicKey.export({ format: 'jwk' });
  return { privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: x! } };
}

/** Creates a site (unless given) and an enrollment token as the org's owner. */
export async function createEnrollmentToken(
  hub: TestHub,
  owner: { orgId: string; accessToken: string },
  options: { siteId?: string; maxUses?: number; expiresInHours?: number } = {},
) {
  let siteId = options.siteId;
  if (!siteId) {
    const site = await hub.request('POST', `/api/orgs/${owner.orgId}/sites`, {
      token: owner.accessToken,
      body: { name: `Site ${randomUUID().slice(0, 8)}`, timeZone: 'Europe/Berlin' },
    });
    expect(site.status).toBe(201);
    siteId = site.body.id as string;
  }
  const created = await hub.request('POST', `/api/orgs/${owner.orgId}/enrollment-tokens`, {
    token: owner.accessToken,
    body: {
      siteId,
      label: 'Front door',
      maxUses: options.maxUses ?? 1,
      ...(options.expiresInHours ? { expiresInHours: options.expiresInHours } : {}),
    },
  });
  expect(created.status).toBe(201);
  return { siteId, token: created.body.token as string, tokenId: created.body.id as string };
}

export function registrationBody(enrollmentToken: string, publicJwk: object, name = 'Front door kiosk') {
  return {
    enrollmentToken,
    name,
    publicJwk,
    appVersion: '0.1.0',
    protocolVersion: SYNC_PROTOCOL_VERSION,
  };
}

export interface TestKiosk {
  deviceId: string;
  orgId: string;
  siteId: string | null;
  kid: string;
  audience: string;
  privateKey: KeyObject;
  head: ChainHead;
  /** Signs a one-request token and sends the request. */
  request(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; clockOffsetMs?: number },
  ): Promise<TestResponse>;
  token(method: string, path: string, clockOffsetMs?: number): Promise<string>;
  /** Appends punches to this kiosk's chain (advancing `head`). */
  punches(
    employeeIds: string[],
    options?: { type?: TPunchType; deviceTime?: Date; method?: 'face' | 'pin' },
  ): TPunchEvent[];
  batch(events: TPunchEvent[]): ReturnType<typeof createEventBatch>;
}

export async function registerKiosk(
  hub: TestHub,
  enrollmentToken: string,
  name?: string,
): Promise<TestKiosk> {
  const { privateKey, publicJwk } = createKeyPair();
  const response = await hub.request('POST', '/api/devices/register', {
    body: registrationBody(enrollmentToken, publicJwk, name),
  });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${response.text}`);
  const result = response.body as {
    deviceId: string;
    orgId: string;
    siteId: string | null;
    kid: string;
    audience: string;
  };
  const kiosk: TestKiosk = {
    ...result,
    privateKey,
    head: genesisHead(result.deviceId),
    token: (method, path, clockOffsetMs) =>
      mintDeviceToken({
        privateKey,
        deviceId: result.deviceId,
        kid: result.kid,
        audience: result.audience,
        method,
        url: `${HUB_ORIGIN}${path.split('?')[0]}`,
        clock: hub.clock,
        ...(clockOffsetMs === undefined ? {} : { clockOffsetMs }),
      }),
    async request(method, path, options = {}) {
      const token = options.token ?? (await kiosk.token(method, path, options.clockOffsetMs));
      return hub.request(method, path, {
        token,
        ...(options.body === undefined ? {} : { body: options.body }),
      });
    },
    punches(employeeIds, options = {}) {
      const runId = randomUUID();
      return employeeIds.map((employeeId, index) => {
        const event = appendToChain(kiosk.head, {
          id: uuidv7(),
          deviceId: result.deviceId,
          employeeId,
          type: options.type ?? 'clock_in',
          method: options.method ?? 'face',
          deviceTime: (options.deviceTime ?? hub.clock.now()).toISOString(),
          monotonicMs: 1000 + index,
          runId,
          score: options.method === 'pin' ? null : 0.8123,
          liveness: options.method === 'pin' ? null : 0.9,
          modelId: options.method === 'pin' ? null : 'arcface-r100@1',
        });
        kiosk.head = { seq: event.seq, hash: event.hash };
        return event;
      });
    },
    batch: (events) => createEventBatch({ deviceId: result.deviceId, kid: result.kid, privateKey, events }),
  };
  return kiosk;
}
