/**
 * A minimal in-memory hub speaking the sync contract, for the agent's unit tests of behaviour the
 * real hub does not produce on demand (a lost ack, 503 with Retry-After, a skewed clock, roster pages
 * with tombstones). It uses the same verifier and chain code as apps/hub (@clockface/sync-protocol).
 * Real HTTP, real sockets. The proofs against the real hub process are in test/*.int.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import {
  MAX_BATCH_BYTES,
  SYNC_PATHS,
  ZEventBatch,
  ZHeartbeat,
  type TEventAck,
  type THeartbeat,
  type TPunchEvent,
} from '@clockface/contracts/sync';
import { AppError, systemClock, type Clock } from '@clockface/core';
import {
  genesisHead,
  verifyBatchSignature,
  verifyChain,
  verifyDeviceToken,
  type ChainHead,
} from '@clockface/sync-protocol';
import { createPublicKey } from 'node:crypto';

export interface FakeHubDevice {
  deviceId: string;
  orgId: string;
  kid: string;
  publicJwk: JWK;
  isRevoked: boolean;
}

export interface FakeHub {
  url: string;
  audience: string;
  devices: Map<string, FakeHubDevice>;
  /** Accepted events per device, in arrival order. */
  stored: Map<string, TPunchEvent[]>;
  heads: Map<string, ChainHead>;
  heartbeats: THeartbeat[];
  rosterPages: unknown[];
  requests: { method: string; path: string; status: number; code?: string }[];
  /** The next N requests answer 503 with this Retry-After (seconds). */
  failNext: { count: number; retryAfterSeconds?: number };
  /** Store the next batch, then drop the connection before answering (a lost ack). */
  dropNextAck: boolean;
  /** Wait this long before answering an events push (a slow hub, so kills land mid-sync). */
  eventsDelayMs: number;
  /** Sent back with each heartbeat's answer, as the real hub sends the current kiosk settings. */
  heartbeatSettings: unknown;
  clock: Clock;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function send(
  res: ServerResponse,
  clock: Clock,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', date: clock.now().toUTCString(), ...headers });
  res.end(JSON.stringify(body));
}

function problem(res: ServerResponse, clock: Clock, status: number, code: string, detail: string) {
  res.writeHead(status, { 'content-type': 'application/problem+json', date: clock.now().toUTCString() });
  res.end(
    JSON.stringify({
      type: `https://clockface.dev/problems/${code.toLowerCase()}`,
      title: code,
      status,
      code,
      detail,
    }),
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BATCH_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startFakeHub(options: { clock?: Clock; port?: number } = {}): Promise<FakeHub> {
  const clock = options.clock ?? systemClock;
  const jtis = new Set<string>();
  let server: Server | undefined;
  let port = options.port ?? 0;
  const hub: FakeHub = {
    url: '',
    audience: '',
    devices: new Map(),
    stored: new Map(),
    heads: new Map(),
    heartbeats: [],
    rosterPages: [],
    requests: [],
    failNext: { count: 0 },
    dropNextAck: false,
    eventsDelayMs: 0,
    heartbeatSettings: undefined,
    clock,
    stop,
    start,
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', hub.url);
    const log = (status: number, code?: string) =>
      hub.requests.push({ method: req.method ?? '', path: url.pathname, status, ...(code ? { code } : {}) });
    if (hub.failNext.count > 0) {
      hub.failNext.count -= 1;
      log(503, 'SERVICE_UNAVAILABLE');
      const retry = hub.failNext.retryAfterSeconds;
      res.writeHead(503, {
        'content-type': 'application/problem+json',
        ...(retry === undefined ? {} : { 'retry-after': String(retry) }),
      });
      res.end(JSON.stringify({ code: 'SERVICE_UNAVAILABLE', status: 503 }));
      return;
    }
    let device: FakeHubDevice;
    try {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const verified = await verifyDeviceToken<FakeHubDevice>(bearer, {
        audience: hub.audience,
        method: req.method ?? 'GET',
        url: url.href,
        clock,
        findDeviceKey: async (kid) => {
          const found = [...hub.devices.values()].find((candidate) => candidate.kid === kid);
          return (
            found && {
              deviceId: found.deviceId,
              publicKey: found.publicJwk,
              isRevoked: found.isRevoked,
              row: found,
            }
          );
        },
        isJtiFresh: async ({ deviceId, jti }) => {
          const key = `${deviceId}/${jti}`;
          if (jtis.has(key)) return false;
          jtis.add(key);
          return true;
        },
      });
      device = verified.record.row!;
    } catch (error) {
      const appError = error instanceof AppError ? error : AppError.parse(error);
      log(401, appError.code);
      problem(res, clock, 401, appError.code, appError.message);
      return;
    }

    if (req.method === 'POST' && url.pathname === SYNC_PATHS.events) {
      const body = await readBody(req);
      if (!body)
        return (
          log(413, 'PAYLOAD_TOO_LARGE'),
          problem(res, clock, 413, 'PAYLOAD_TOO_LARGE', 'Batch over 1 MiB')
        );
      const parsed = ZEventBatch.safeParse(JSON.parse(body.toString('utf8')));
      if (!parsed.success)
        return (
          log(422, 'VALIDATION_FAILED'),
          problem(res, clock, 422, 'VALIDATION_FAILED', parsed.error.message)
        );
      const batch = parsed.data;
      if (batch.deviceId !== device.deviceId)
        return (log(403, 'FORBIDDEN'), problem(res, clock, 403, 'FORBIDDEN', 'Another device'));
      if (!verifyBatchSignature(batch, createPublicKey({ key: device.publicJwk as never, format: 'jwk' }))) {
        return (
          log(422, 'BAD_SIGNATURE'),
          problem(res, clock, 422, 'BAD_SIGNATURE', 'Batch signature does not verify')
        );
      }
      const stored = hub.stored.get(device.deviceId) ?? [];
      hub.stored.set(device.deviceId, stored);
      const byId = new Map(stored.map((event) => [event.id, event]));
      let head = hub.heads.get(device.deviceId) ?? genesisHead(device.deviceId);
      const results: TEventAck[] = batch.events.map((event) => {
        const existing = byId.get(event.id);
        if (existing)
          return { id: event.id, status: existing.hash === event.hash ? 'duplicate' : 'conflict' };
        const verification = verifyChain([event], { deviceId: device.deviceId, head });
        const result = verification.results[0]!;
        if (result.status !== 'linked')
          return { id: event.id, status: 'rejected', code: result.code, message: result.message };
        head = verification.head;
        stored.push(event);
        byId.set(event.id, event);
        return { id: event.id, status: 'accepted' };
      });
      hub.heads.set(device.deviceId, head);
      if (hub.eventsDelayMs > 0)
        await new Promise((resolveDelay) => setTimeout(resolveDelay, hub.eventsDelayMs));
      if (hub.dropNextAck) {
        hub.dropNextAck = false;
        log(0, 'DROPPED');
        res.socket?.destroy();
        return;
      }
      log(200);
      return send(res, clock, 200, { results, head, serverTime: clock.now().toISOString() });
    }
    if (req.method === 'GET' && url.pathname === SYNC_PATHS.roster) {
      const cursor = url.searchParams.get('cursor');
      const index = cursor?.startsWith('page-') ? Number(cursor.slice(5)) : 0;
      const page = hub.rosterPages[index];
      log(200);
      if (!page) {
        return send(res, clock, 200, {
          cursor: cursor ?? 'page-0',
          hasMore: false,
          serverTime: clock.now().toISOString(),
          employees: [],
          pinHashes: [],
          templates: [],
          tombstones: [],
        });
      }
      return send(res, clock, 200, {
        ...(page as object),
        cursor: `page-${index + 1}`,
        hasMore: index + 1 < hub.rosterPages.length,
        serverTime: clock.now().toISOString(),
      });
    }
    if (req.method === 'POST' && url.pathname === SYNC_PATHS.heartbeat) {
      const body = await readBody(req);
      const parsed = ZHeartbeat.safeParse(JSON.parse(body?.toString('utf8') ?? 'null'));
      if (!parsed.success)
        return (
          log(422, 'VALIDATION_FAILED'),
          problem(res, clock, 422, 'VALIDATION_FAILED', parsed.error.message)
        );
      hub.heartbeats.push(parsed.data);
      log(200);
      return send(res, clock, 200, {
        serverTime: clock.now().toISOString(),
        clockOffsetMs: 0,
        ...(hub.heartbeatSettings === undefined ? {} : { settings: hub.heartbeatSettings }),
      });
    }
    log(404, 'NOT_FOUND');
    problem(res, clock, 404, 'NOT_FOUND', `No route ${req.method} ${url.pathname}`);
  }

  function start(): Promise<void> {
    return new Promise((resolvePromise) => {
      server = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => problem(res, clock, 500, 'INTERNAL', String(error)));
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port;
        hub.url = `http://127.0.0.1:${port}`;
        hub.audience = `${hub.url}/api/sync`;
        resolvePromise();
      });
    });
  }

  function stop(): Promise<void> {
    return new Promise((resolvePromise) => {
      if (!server) return resolvePromise();
      server.closeAllConnections();
      server.close(() => resolvePromise());
      server = undefined;
    });
  }

  await start();
  return hub;
}
