/**
 * The agent inside the Electron shell: the entry of the utility process that main forks
 * (`utilityProcess.fork`). Plain Node, no Electron import: it talks to main through
 * `process.parentPort` (Electron) or, in tests, through a Node child process's IPC channel.
 *
 * Why a utility process and not main: the agent does synchronous SQLite writes with fsync and runs
 * the face engine; in main they would stall window, IPC and input handling. A native crash
 * (better-sqlite3, onnxruntime) ends this process only: main shows "restarting" and forks it again.
 * And the agent stays the same code that runs headless (`kiosk-agent run`).
 *
 * Lifecycle: wait for `start` (data folder and the key, which never comes through argv or env),
 * open the store, report status, sync and read frames posted by the renderer. On `shutdown`: stop
 * taking frames, let the punch being written commit (its transaction is synchronous, so it cannot
 * be cut in half by the abort), stop the sync loop, close the engine and the store, say `stopped`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, systemClock } from '@clockface/core';
import { loadConfig } from '../agent/config';
import { openAgentStore, type AgentStore } from '../agent/db';
import { createPostedFrameSource, MAX_POSTED_FRAME_BYTES } from '../agent/frame-sources';
import { runAgent } from '../agent/index';
import { createFileKeyProvider, createSealedKeyProvider, sealedKeyFileFor } from '../agent/key-storage';
import { createPunchService, type PunchOutcome, type PunchService } from '../agent/punch.service';
import {
  startFaceRecognizerInBackground,
  type BackgroundFaceRecognizer,
  type Recognizer,
} from '../agent/recognizer';
import { getAgentStatus, loadSettings } from '../agent/status';
import { createSyncClient, runSyncLoop } from '../agent/sync-loop';
import type { FromAgentMessage, ToAgentMessage } from './shared/agent-protocol';
import type { KioskStatusView, PinPunchResult, PunchView } from './shared/ipc-contract';

export interface AgentPort {
  postMessage(message: FromAgentMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}

const zBytes = z.instanceof(Uint8Array);
const zSpare = z.object({ key: zBytes, sealed: zBytes });
const ZToAgentMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    dataDir: z.string().min(1),
    faceRecognition: z.boolean().optional(),
    key: z.discriminatedUnion('mode', [
      z.object({
        mode: z.literal('sealed'),
        material: z.object({
          sealedKeyFile: z.string().min(1),
          description: z.string(),
          current: z.union([
            z.object({ status: z.literal('present'), key: zBytes }),
            z.object({ status: z.literal('absent') }),
            z.object({ status: z.enum(['corrupt', 'unavailable']), detail: z.string() }),
          ]),
          spares: z.array(zSpare),
          warning: z.string().optional(),
        }),
      }),
      z.object({ mode: z.literal('file'), keyFile: z.string().min(1), warning: z.string() }),
    ]),
  }),
  z.object({
    type: z.literal('frame'),
    data: zBytes.refine((bytes) => bytes.byteLength <= MAX_POSTED_FRAME_BYTES),
    mimeType: z.enum(['image/jpeg', 'image/png']),
    capturedAt: z.number(),
  }),
  z.object({ type: z.literal('spare-key'), spare: zSpare }),
  z.object({
    type: z.literal('pin-punch'),
    requestId: z.string().min(1).max(64),
    code: z.string().min(1).max(64),
    pin: z.string().min(1).max(64),
    punchType: z.enum(['clock_in', 'clock_out', 'break_start', 'break_end']).optional(),
  }),
  z.object({ type: z.literal('shutdown') }),
]);

/** process.parentPort in Electron's utility process; the IPC channel of a Node child otherwise. */
export function defaultAgentPort(): AgentPort {
  const parentPort = (
    process as {
      parentPort?: {
        postMessage(message: unknown): void;
        on(event: 'message', listener: (event: { data: unknown }) => void): void;
      };
    }
  ).parentPort;
  if (parentPort) {
    return {
      postMessage: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  if (process.send) {
    return {
      postMessage: (message) => process.send?.(message),
      onMessage: (listener) => process.on('message', listener),
    };
  }
  throw new Error('agent-process must run as an Electron utility process or a Node child with IPC');
}

export function toStatusView(store: AgentStore): Omit<KioskStatusView, 'agent'> {
  const status = getAgentStatus(store, { dataDir: '', appVersion: '' });
  const lookup = status.dataKey.lookup;
  const warnings = [status.dataKey.warning, lookup.status === 'unavailable' ? lookup.detail : null].filter(
    (warning): warning is string => typeof warning === 'string',
  );
  return {
    provisioning: status.provisioning.status,
    deviceName: status.provisioning.status === 'not_provisioned' ? null : status.provisioning.name,
    dataKey: lookup.status === 'unavailable' ? 'unavailable' : status.dataKey.status,
    warnings,
    queueDepth: status.outbox.queueDepth,
    lastSyncAt: status.sync.lastSuccessAt,
    lastError: status.sync.lastError
      ? `${status.sync.lastError.code}: ${status.sync.lastError.message}`
      : null,
  };
}

function toPunchView(outcome: PunchOutcome): PunchView {
  return outcome.status === 'recorded'
    ? {
        status: 'recorded',
        employeeId: outcome.punch.employeeId,
        employeeName: outcome.employeeName,
        message: outcome.message,
        punchType: outcome.punch.type,
        at: outcome.punch.deviceTime,
      }
    : {
        status: 'duplicate',
        employeeId: outcome.lastPunch.employeeId,
        employeeName: outcome.employeeName,
        message: outcome.message,
        punchType: outcome.lastPunch.type,
        at: outcome.lastPunch.deviceTime,
      };
}

/** Runs the agent until `shutdown`; resolves after `stopped` was posted. */
export async function runAgentProcess(port: AgentPort): Promise<void> {
  const frames = createPostedFrameSource();
  const controller = new AbortController();
  let store: AgentStore | undefined;
  let addSpare: ((spare: { key: Uint8Array; sealed: Uint8Array }) => void) | undefined;
  let pinPunches: PunchService | undefined;
  let isShuttingDown = false;
  /** Keypad punches still verifying their PIN or writing: shutdown waits for them (the outbox's write). */
  const inFlight = new Set<Promise<void>>();
  const answerPin = (requestId: string, result: PinPunchResult) =>
    port.postMessage({ type: 'pin-punch-result', requestId, result });
  const punchWithPin = (message: {
    requestId: string;
    code: string;
    pin: string;
    punchType?: PunchView['punchType'];
  }) => {
    if (isShuttingDown || !pinPunches) {
      answerPin(message.requestId, {
        ok: false,
        code: 'SERVICE_UNAVAILABLE',
        message: isShuttingDown ? 'The kiosk is shutting down' : 'The kiosk is starting',
      });
      return;
    }
    const service = pinPunches;
    const work = service
      .punchWithPin({
        code: message.code,
        pin: message.pin,
        ...(message.punchType ? { type: message.punchType } : {}),
      })
      .then(
        (outcome) => {
          answerPin(message.requestId, { ok: true, punch: toPunchView(outcome) });
          port.postMessage({ type: 'punch', punch: toPunchView(outcome) });
        },
        (error: unknown) => {
          const appError = AppError.parse(error);
          answerPin(message.requestId, {
            ok: false,
            code: appError.code,
            message: appError.message,
            ...(appError.retryAfterSeconds === undefined
              ? {}
              : { retryAfterSeconds: appError.retryAfterSeconds }),
          });
        },
      )
      .finally(() => inFlight.delete(work));
    inFlight.add(work);
  };
  let resolveStart: (message: Extract<ToAgentMessage, { type: 'start' }>) => void = () => {};
  const started = new Promise<Extract<ToAgentMessage, { type: 'start' }>>(
    (resolvePromise) => (resolveStart = resolvePromise),
  );
  let resolveShutdown: () => void = () => {};
  const shutdownRequested = new Promise<void>((resolvePromise) => (resolveShutdown = resolvePromise));
  const log = (level: 'info' | 'warn' | 'error', message: string) =>
    port.postMessage({ type: 'log', level, message });

  port.onMessage((raw) => {
    const parsed = ZToAgentMessage.safeParse(raw);
    if (!parsed.success) {
      log('warn', `ignored a malformed message from main: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'start':
        resolveStart(message);
        break;
      case 'frame':
        frames.post({
          data: message.data,
          mimeType: message.mimeType,
          capturedAt: new Date(message.capturedAt),
        });
        break;
      case 'pin-punch':
        punchWithPin(message);
        break;
      case 'spare-key':
        addSpare?.(message.spare);
        break;
      case 'shutdown':
        isShuttingDown = true;
        controller.abort();
        frames.close();
        resolveShutdown();
        break;
    }
  });

  const start = await Promise.race([started, shutdownRequested.then(() => undefined)]);
  let recognizer: BackgroundFaceRecognizer | undefined;
  try {
    if (!start) return;
    const config = loadConfig({ dataDir: start.dataDir });
    if (start.key.mode === 'sealed') {
      const provider = createSealedKeyProvider(start.key.material, {
        onSpareUsed: () => port.postMessage({ type: 'need-spare-key' }),
      });
      addSpare = (spare) => provider.addSpare(spare);
      store = openAgentStore(config, provider);
    } else {
      store = openAgentStore(
        config,
        createFileKeyProvider(start.key.keyFile, {
          warning: start.key.warning,
          sealedKeyFile: sealedKeyFileFor(config.dataDir),
        }),
      );
    }
    const openStore = store;
    if (openStore.lostKeyWipe) {
      log(
        'error',
        `data key ${openStore.lostKeyWipe.reason}: ${openStore.lostKeyWipe.templates} unreadable face templates wiped; re-provision this kiosk`,
      );
    }
    // PIN hashes are not encrypted: keypad punches work even while the key is lost (until re-provisioning).
    pinPunches = createPunchService({
      store: openStore,
      clock: systemClock,
      monotonicMs: () => performance.now(),
      runId: randomUUID(),
      settings: () => loadSettings(openStore),
    });
    const postStatus = () => port.postMessage({ type: 'status', status: toStatusView(openStore) });
    postStatus();
    const statusTimer = setInterval(postStatus, 5_000);
    try {
      const identity = toStatusView(openStore);
      if (identity.provisioning !== 'provisioned' || identity.dataKey !== 'ready') {
        // Nothing to match or sync with; the maintenance screen shows why. Wait for shutdown.
        await shutdownRequested;
        return;
      }
      if (start.faceRecognition !== false) {
        recognizer = startFaceRecognizerInBackground({
          store: openStore,
          settings: () => loadSettings(openStore),
          onStarted: (ready) => log('info', `recognition ready (${ready.modelId})`),
          onFailed: (error) =>
            log('warn', `recognition unavailable: ${AppError.parse(error).message}; PIN punches work`),
        });
      }
      const reporting: Recognizer | undefined = recognizer && {
        modelId: recognizer.modelId,
        wipe: () => recognizer?.wipe(),
        recognize: async (frame) => {
          const result = await recognizer!.recognize(frame);
          port.postMessage({
            type: 'recognition',
            result: { employeeId: result.employeeId, score: result.score, liveness: result.liveness },
          });
          return result;
        },
      };
      const syncClient = createSyncClient({
        store: openStore,
        clock: systemClock,
        appVersion: config.appVersion,
        signal: controller.signal,
        ...(recognizer ? { recognizer, modelId: recognizer.modelId } : {}),
        ...(config.syncBatchSize ? { batchSizeCap: config.syncBatchSize } : {}),
      });
      const syncLoop = runSyncLoop(syncClient, {
        signal: controller.signal,
        onResult: (result) => {
          if (result.kind !== 'idle') postStatus();
        },
      });
      await runAgent({
        store: openStore,
        frameSource: frames,
        signal: controller.signal,
        ...(reporting ? { recognizer: reporting } : {}),
        onEvent: (event) => {
          if (event.type === 'punch') {
            port.postMessage({ type: 'punch', punch: toPunchView(event.outcome) });
            postStatus();
          } else if (event.type === 'error') {
            log('warn', `frame: ${event.message}`);
          }
        },
      });
      controller.abort();
      await syncLoop;
    } finally {
      clearInterval(statusTimer);
    }
  } catch (error) {
    log('error', `agent failed: ${AppError.parse(error).message}`);
    if (!controller.signal.aborted) await shutdownRequested;
  } finally {
    isShuttingDown = true;
    // Let every keypad punch that was accepted before the shutdown finish its transaction.
    await Promise.allSettled([...inFlight]);
    await recognizer?.close();
    store?.close();
    port.postMessage({ type: 'stopped' });
  }
}

// Started as a process (utility process or Node child): run, then exit so no timer keeps it alive.
if (process.argv.includes('--clockface-agent')) {
  // A short grace period lets the `stopped` message leave before the process ends.
  const exitSoon = (code: number) => setTimeout(() => process.exit(code), 50);
  void runAgentProcess(defaultAgentPort()).then(
    () => exitSoon(0),
    () => exitSoon(1),
  );
}
