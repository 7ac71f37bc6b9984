/**
 * The agent host against the real agent process (agent-process.ts run by Node through tsx, standing
 * in for Electron's utility process, which cannot run here): real SQLite stores, real keys.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@clockface/core';
import { countTemplates, listPendingPunches } from '@clockface/db-kiosk';
import { ADA, BOB, seedKiosk, storeConfig } from '../../../test/helpers/seed-kiosk';
import { openAgentStore } from '../../agent/db';
import { readKeyFile, sealedKeyFileFor } from '../../agent/key-files';
import { applyRosterDelta } from '../../agent/roster-sync';
import type { FromAgentMessage } from '../shared/agent-protocol';
import type { AgentRunState } from '../shared/ipc-contract';
import { createAgentHost, type AgentChild, type StartMessage } from './agent-host';

const ENTRY = join(import.meta.dirname, '..', 'agent-process.ts');
const FRAME = readFileSync(
  join(import.meta.dirname, '../../../../../packages/face/fixtures/frame-640x480.jpg'),
);

let dataDir: string;
let spawned: { argv: string[]; env: NodeJS.ProcessEnv; pid: number | undefined }[];

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-host-'));
  spawned = [];
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function forkAgent(entry = ENTRY, args = ['--clockface-agent']): AgentChild {
  const env = { ...process.env, KIOSK_LOG_LEVEL: 'error' };
  const child = fork(entry, args, {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  spawned.push({ argv: child.spawnargs, env, pid: child.pid });
  return {
    pid: child.pid,
    postMessage: (message) => child.connected && child.send(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill('SIGKILL'),
  };
}

/** A kiosk provisioned headless, its key then handed over as the Electron shell would (sealed). */
async function sealedKiosk(withTemplate = false): Promise<{ key: Buffer; start: StartMessage }> {
  const { store } = await seedKiosk(dataDir);
  if (withTemplate) {
    applyRosterDelta(
      store,
      {
        cursor: 'c2',
        hasMore: false,
        serverTime: '2026-11-22T09:00:00.000Z',
        employees: [],
        pinHashes: [],
        templates: [
          {
            id: '019a0000-0000-7000-8000-0000000000a1',
            employeeId: ADA.id,
            modelId: 'test-model@1',
            dimension: 2,
            version: 1,
            embedding: Buffer.from(new Float32Array([0.25, 0.5]).buffer).toString('base64'),
          },
        ],
        tombstones: [],
      },
      new ManualClock('2026-11-22T09:00:00Z'),
    );
  }
  store.close();
  const key = readKeyFile(storeConfig(dataDir).keyFile) as Buffer;
  rmSync(storeConfig(dataDir).keyFile);
  writeFileSync(sealedKeyFileFor(dataDir), 'sealed by the OS');
  return {
    key,
    start: {
      type: 'start',
      dataDir,
      faceRecognition: false,
      key: {
        mode: 'sealed',
        material: {
          sealedKeyFile: sealedKeyFileFor(dataDir),
          description: 'OS secure storage (test)',
          current: { status: 'present', key: new Uint8Array(key) },
          spares: [],
        },
      },
    },
  };
}

function hostFor(start: () => StartMessage, extra: Partial<Parameters<typeof createAgentHost>[0]> = {}) {
  const messages: FromAgentMessage[] = [];
  const states: AgentRunState[] = [];
  const logs: string[] = [];
  let starts = 0;
  const host = createAgentHost({
    spawn: () => forkAgent(),
    prepareStart: async () => {
      starts += 1;
      return start();
    },
    makeSpare: async () => ({ key: new Uint8Array(32), sealed: new Uint8Array(8) }),
    onMessage: (message) => messages.push(message),
    onStateChange: (state) => states.push(state),
    log: (level, message) => logs.push(`${level}: ${message}`),
    restartDelaysMs: [100],
    ...extra,
  });
  return { host, messages, states, logs, starts: () => starts };
}

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 25));
  }
}

describe('agent host with the real agent process', () => {
  it('sends the key after spawn (never argv or env), gets status, stops cleanly with the store closed', async () => {
    const { key, start } = await sealedKiosk();
    const { host, messages, states } = hostFor(() => start);
    await host.start();
    await until(() => host.state === 'running');
    const status = messages.find((message) => message.type === 'status');
    expect(status).toMatchObject({
      status: { provisioning: 'provisioned', deviceName: 'Test kiosk', dataKey: 'ready', warnings: [] },
    });
    for (const secret of [key.toString('base64'), key.toString('hex'), key.toString('base64url')]) {
      expect(spawned[0]!.argv.join(' ')).not.toContain(secret);
      expect(JSON.stringify(spawned[0]!.env)).not.toContain(secret);
    }
    expect(
      host.send({
        type: 'frame',
        data: new Uint8Array(FRAME),
        mimeType: 'image/jpeg',
        capturedAt: Date.now(),
      }),
    ).toBe(true);
    expect(await host.stop()).toBe('clean');
    expect(messages.at(-1)).toEqual({ type: 'stopped' });
    expect(states).toEqual(['starting', 'running', 'stopping', 'stopped']);
    // Closed cleanly: the WAL was checkpointed away and the store opens at once.
    const reopened = openAgentStore(storeConfig(dataDir), {
      description: 'test',
      load: () => key,
      create: () => key,
      destroy: () => {},
    });
    expect(reopened.keyState.status).toBe('ready');
    reopened.close();
    expect(existsSync(storeConfig(dataDir).keyFile)).toBe(false);
  });

  it('restarts the agent after a crash (SIGKILL), unsealing the key again', async () => {
    const { start } = await sealedKiosk();
    const { host, states, logs, starts } = hostFor(() => start);
    await host.start();
    await until(() => host.state === 'running');
    process.kill(spawned[0]!.pid!, 'SIGKILL');
    await until(() => spawned.length === 2 && host.state === 'running');
    expect(states).toEqual(['starting', 'running', 'restarting', 'starting', 'running']);
    expect(starts()).toBe(2);
    expect(logs.some((line) => line.includes('the agent exited'))).toBe(true);
    expect(await host.stop()).toBe('clean');
  });

  it('a lost key (corrupt sealed blob): the agent reports re-provisioning and wipes templates instead of crashing', async () => {
    const { start } = await sealedKiosk(true);
    const lost: StartMessage = {
      ...start,
      key: {
        mode: 'sealed',
        material: {
          sealedKeyFile: sealedKeyFileFor(dataDir),
          description: 'OS secure storage (test)',
          current: { status: 'corrupt', detail: 'the OS cannot unseal it' },
          spares: [],
        },
      },
    };
    const { host, messages } = hostFor(() => lost);
    await host.start();
    await until(() => host.state === 'running');
    expect(messages.find((message) => message.type === 'status')).toMatchObject({
      status: { provisioning: 'provisioned', dataKey: 'reprovision_required' },
    });
    expect(
      messages.some(
        (message) => message.type === 'log' && /1 unreadable face templates wiped/.test(message.message),
      ),
    ).toBe(true);
    expect(await host.stop()).toBe('clean');
    const store = openAgentStore(storeConfig(dataDir), {
      description: 't',
      load: () => undefined,
      create: () => Buffer.alloc(32),
      destroy: () => {},
    });
    expect(countTemplates(store.db)).toBe(0);
    store.close();
  });

  it('the user-only file fallback shows its warning in status', async () => {
    await seedKiosk(dataDir).then(({ store }) => store.close());
    const { host, messages } = hostFor(() => ({
      type: 'start',
      dataDir,
      faceRecognition: false,
      key: {
        mode: 'file',
        keyFile: storeConfig(dataDir).keyFile,
        warning: 'OS secure storage is unavailable',
      },
    }));
    await host.start();
    await until(() => host.state === 'running');
    expect(messages.find((message) => message.type === 'status')).toMatchObject({
      status: { dataKey: 'ready', warnings: ['OS secure storage is unavailable'] },
    });
    expect(await host.stop()).toBe('clean');
  });

  it('forwards recognition results of posted frames (real face engine; nobody enrolled → unknown)', async () => {
    const { start } = await sealedKiosk();
    const { host, messages } = hostFor(() => ({ ...start, faceRecognition: true }));
    await host.start();
    await until(() => host.state === 'running');
    for (let index = 0; index < 3; index += 1) {
      host.send({
        type: 'frame',
        data: new Uint8Array(FRAME),
        mimeType: 'image/jpeg',
        capturedAt: Date.now(),
      });
    }
    await until(() => messages.some((message) => message.type === 'recognition'), 120_000);
    expect(messages.find((message) => message.type === 'recognition')).toMatchObject({
      result: { employeeId: null },
    });
    // The real engine answered (not the "engine unavailable" stand-in).
    expect(
      messages.some((message) => message.type === 'log' && message.message.startsWith('recognition ready')),
    ).toBe(true);
    expect(await host.stop()).toBe('clean');
  }, 180_000);

  it('a fresh kiosk: the agent writes a sealed spare as its key, asks for another, and main seals one', async () => {
    const spare = { key: new Uint8Array(randomBytes(32)), sealed: new Uint8Array(randomBytes(48)) };
    let spareRequests = 0;
    const { host, messages } = hostFor(
      () => ({
        type: 'start',
        dataDir,
        faceRecognition: false,
        key: {
          mode: 'sealed',
          material: {
            sealedKeyFile: sealedKeyFileFor(dataDir),
            description: 'OS secure storage (test)',
            current: { status: 'absent' },
            spares: [spare],
          },
        },
      }),
      {
        makeSpare: async () => {
          spareRequests += 1;
          return { key: new Uint8Array(randomBytes(32)), sealed: new Uint8Array(8) };
        },
      },
    );
    await host.start();
    await until(() => host.state === 'running' && spareRequests === 1);
    expect(messages.find((message) => message.type === 'status')).toMatchObject({
      status: { provisioning: 'not_provisioned', dataKey: 'ready' },
    });
    expect(readFileSync(sealedKeyFileFor(dataDir))).toEqual(Buffer.from(spare.sealed));
    expect(existsSync(storeConfig(dataDir).keyFile)).toBe(false);
    expect(await host.stop()).toBe('clean');
    const store = openAgentStore(storeConfig(dataDir), {
      description: 'test',
      load: () => Buffer.from(spare.key),
      create: () => Buffer.from(spare.key),
      destroy: () => {},
    });
    expect(store.keyState.status).toBe('ready');
    store.close();
  });

  it('keypad punches sent right before quit: every one is answered and every recorded one is in the outbox, chained', async () => {
    const { start } = await sealedKiosk();
    const { host } = hostFor(() => start);
    await host.start();
    await until(() => host.state === 'running');
    const requests = Array.from({ length: 12 }, (_, index) =>
      index === 5
        ? { code: ADA.code, pin: '9999' }
        : { code: index % 2 === 0 ? ADA.code : BOB.code, pin: index % 2 === 0 ? ADA.pin : BOB.pin },
    );
    const answers = requests.map((request) => host.punchWithPin(request));
    // Quit at once: the PINs are still being verified (argon2) when `shutdown` arrives.
    const stopped = host.stop();
    const results = await Promise.all(answers);
    expect(await stopped).toBe('clean');
    expect(results.filter((result) => !result.ok)).toEqual([
      { ok: false, code: 'INVALID_CREDENTIALS', message: 'Employee number or PIN is wrong' },
    ]);
    const recorded = results.filter((result) => result.ok && result.punch.status === 'recorded');
    expect(recorded.length).toBeGreaterThanOrEqual(2);
    expect(await host.punchWithPin({ code: ADA.code, pin: ADA.pin })).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });

    const store = openAgentStore(storeConfig(dataDir), {
      description: 't',
      load: () => undefined,
      create: () => Buffer.alloc(32),
      destroy: () => {},
    });
    const pending = listPendingPunches(store.db, { limit: 100 });
    store.close();
    expect(pending).toHaveLength(recorded.length);
    expect(pending.map((punch) => punch.seq)).toEqual(pending.map((_, index) => index + 1));
    for (const [index, punch] of pending.entries()) {
      if (index > 0) expect(punch.prevHash).toBe(pending[index - 1]!.hash);
    }
  });

  it('kills an agent that does not stop within the timeout', async () => {
    const stubborn = join(dataDir, 'stubborn.mjs');
    writeFileSync(
      stubborn,
      "process.on('message', () => {}); process.send({ type: 'status', status: { provisioning: 'unknown', deviceName: null, dataKey: 'unknown', warnings: [], queueDepth: null, lastSyncAt: null, lastError: null } });\n",
    );
    const { host, logs } = hostFor(
      () => ({ type: 'start', dataDir, key: { mode: 'file', keyFile: join(dataDir, 'k'), warning: '' } }),
      { spawn: () => forkAgent(stubborn, []), shutdownTimeoutMs: 300 },
    );
    await host.start();
    await until(() => host.state === 'running');
    expect(await host.stop()).toBe('killed');
    expect(logs.some((line) => line.includes('did not stop within 300 ms'))).toBe(true);
  });
});
