/**
 * Main's side of the agent's utility process (ELEC-08, ELEC-09): fork it, send it the key in the
 * `start` message after spawn (never argv or env), forward renderer frames, restart it with backoff
 * when it dies, and stop it cleanly on quit: `shutdown`, wait for `stopped` (the outbox's write has
 * committed and the store is closed), kill only after a timeout.
 *
 * Electron-free (the fork is injected), so the tests drive a real agent as a Node child process.
 */
import { z } from 'zod';
import type { SpareKey } from '../../agent/key-files';
import type { FromAgentMessage, ToAgentMessage } from '../shared/agent-protocol';
import { randomUUID } from 'node:crypto';
import type { AgentRunState, PinPunchRequest, PinPunchResult } from '../shared/ipc-contract';

/** What main needs from a forked process (Electron's UtilityProcess, or a Node ChildProcess in tests). */
export interface AgentChild {
  readonly pid: number | undefined;
  postMessage(message: ToAgentMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type StartMessage = Extract<ToAgentMessage, { type: 'start' }>;

export interface AgentHostOptions {
  spawn: () => AgentChild;
  /** Unseals the key (secure-storage.ts) afresh for each start. */
  prepareStart: () => Promise<StartMessage>;
  makeSpare: () => Promise<SpareKey>;
  onMessage: (message: FromAgentMessage) => void;
  onStateChange?: (state: AgentRunState) => void;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Waits before restart attempts 1, 2, 3, …; the last repeats (default 0.5 s doubling to 30 s). */
  restartDelaysMs?: number[];
  /** How long a keypad punch waits for the agent's answer (default 30 s). */
  pinTimeoutMs?: number;
  /** How long `stop()` waits for `stopped` and the exit before it kills (default 10 s). */
  shutdownTimeoutMs?: number;
}

const zStatus = z.object({
  provisioning: z.enum(['provisioned', 'not_provisioned', 'revoked', 'unknown']),
  deviceName: z.string().nullable(),
  dataKey: z.enum(['ready', 'reprovision_required', 'unavailable', 'unknown']),
  warnings: z.array(z.string()),
  queueDepth: z.number().nullable(),
  lastSyncAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
const zPunch = z.object({
  status: z.enum(['recorded', 'duplicate']),
  employeeId: z.string(),
  employeeName: z.string(),
  message: z.string(),
  punchType: z.enum(['clock_in', 'clock_out', 'break_start', 'break_end']),
  at: z.string(),
});
const ZFromAgentMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: zStatus }),
  z.object({
    type: z.literal('recognition'),
    result: z.object({ employeeId: z.string().nullable(), score: z.number(), liveness: z.number() }),
  }),
  z.object({ type: z.literal('punch'), punch: zPunch }),
  z.object({
    type: z.literal('pin-punch-result'),
    requestId: z.string(),
    result: z.union([
      z.object({ ok: z.literal(true), punch: zPunch }),
      z.object({
        ok: z.literal(false),
        code: z.string(),
        message: z.string(),
        retryAfterSeconds: z.number().optional(),
      }),
    ]),
  }),
  z.object({ type: z.literal('need-spare-key') }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.object({ type: z.literal('stopped') }),
]);

const DEFAULT_RESTART_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

export interface AgentHost {
  start(): Promise<void>;
  /** Frames and other messages for a running agent; dropped while it is not running. */
  send(message: Exclude<ToAgentMessage, { type: 'start' | 'shutdown' | 'pin-punch' }>): boolean;
  /** A keypad punch through the agent; answered SERVICE_UNAVAILABLE when it is not running or does not answer. */
  punchWithPin(request: PinPunchRequest): Promise<PinPunchResult>;
  /** `clean`: the agent said `stopped` and exited; `killed`: it did not within the timeout. */
  stop(): Promise<'clean' | 'killed' | 'not_running'>;
  readonly state: AgentRunState;
  readonly restarts: number;
}

export function createAgentHost(options: AgentHostOptions): AgentHost {
  const delays = options.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
  let state: AgentRunState = 'stopped';
  let child: AgentChild | undefined;
  let restarts = 0;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  let stoppedSeen = false;
  let exited: Promise<number | null> = Promise.resolve(null);
  const pendingPins = new Map<string, (result: PinPunchResult) => void>();
  const settlePins = (message: string) => {
    for (const resolvePin of pendingPins.values())
      resolvePin({ ok: false, code: 'SERVICE_UNAVAILABLE', message });
    pendingPins.clear();
  };

  const setState = (next: AgentRunState) => {
    state = next;
    options.onStateChange?.(next);
  };

  async function launch(): Promise<void> {
    setState('starting');
    stoppedSeen = false;
    let start: StartMessage;
    try {
      start = await options.prepareStart();
    } catch (error) {
      options.log('error', `could not prepare the agent's start: ${(error as Error).message}`);
      setState('failed');
      return;
    }
    if (state !== 'starting') return; // stop() came first
    const spawned = options.spawn();
    child = spawned;
    exited = new Promise((resolvePromise) => spawned.onExit(resolvePromise));
    spawned.onMessage((raw) => {
      const parsed = ZFromAgentMessage.safeParse(raw);
      if (!parsed.success) {
        options.log('warn', 'ignored a malformed message from the agent');
        return;
      }
      const message = parsed.data as FromAgentMessage;
      if (message.type === 'stopped') stoppedSeen = true;
      if (message.type === 'pin-punch-result') {
        pendingPins.get(message.requestId)?.(message.result);
        pendingPins.delete(message.requestId);
        return;
      }
      if (message.type === 'status' && state === 'starting') {
        restarts = 0;
        setState('running');
      }
      if (message.type === 'need-spare-key') {
        options.makeSpare().then(
          (spare) => child === spawned && spawned.postMessage({ type: 'spare-key', spare }),
          (error: unknown) => options.log('error', `could not seal a spare key: ${(error as Error).message}`),
        );
        return;
      }
      options.onMessage(message);
    });
    void exited.then((code) => {
      if (child !== spawned) return;
      child = undefined;
      settlePins('The kiosk agent stopped; try again');
      if (state === 'stopping' || state === 'stopped') return;
      const delay = delays[Math.min(restarts, delays.length - 1)] ?? 1_000;
      restarts += 1;
      options.log('error', `the agent exited (code ${code}); restarting in ${delay} ms`);
      setState('restarting');
      restartTimer = setTimeout(() => void launch(), delay);
    });
    // The key goes over the IPC channel once the process exists: never argv, never env (ELEC-08).
    spawned.postMessage(start);
  }

  return {
    get state() {
      return state;
    },
    get restarts() {
      return restarts;
    },
    start: launch,
    send(message) {
      if (!child || state !== 'running') return false;
      child.postMessage(message);
      return true;
    },
    punchWithPin(request) {
      const running = child;
      if (!running || state !== 'running') {
        return Promise.resolve({
          ok: false,
          code: 'SERVICE_UNAVAILABLE',
          message: 'The kiosk is starting; try again',
        });
      }
      const requestId = randomUUID();
      return new Promise<PinPunchResult>((resolvePromise) => {
        const timer = setTimeout(() => {
          pendingPins.delete(requestId);
          resolvePromise({
            ok: false,
            code: 'SERVICE_UNAVAILABLE',
            message: 'The kiosk did not answer; try again',
          });
        }, options.pinTimeoutMs ?? 30_000);
        pendingPins.set(requestId, (result) => {
          clearTimeout(timer);
          resolvePromise(result);
        });
        running.postMessage({
          type: 'pin-punch',
          requestId,
          code: request.code,
          pin: request.pin,
          ...(request.type ? { punchType: request.type } : {}),
        });
      });
    },
    async stop() {
      clearTimeout(restartTimer);
      const running = child;
      if (!running) {
        setState('stopped');
        return 'not_running';
      }
      setState('stopping');
      running.postMessage({ type: 'shutdown' });
      const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolvePromise) => {
        timer = setTimeout(() => resolvePromise('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([exited.then(() => 'exited' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        options.log('error', `the agent did not stop within ${timeoutMs} ms; killing it`);
        running.kill();
        await exited;
      }
      child = undefined;
      setState('stopped');
      return outcome === 'exited' && stoppedSeen ? 'clean' : 'killed';
    },
  };
}
