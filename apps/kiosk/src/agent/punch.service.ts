/**
 * Punch decisions and recording: the one path for face, keypad and CLI punches.
 *
 * A punch is written to the outbox, chained and committed in ONE immediate SQLite transaction
 * (synchronous=FULL) before any caller is told "recorded" (Actual's "crucial" transaction).
 */
import { verify as verifyArgon2 } from '@node-rs/argon2';
import {
  ZPunchEvent,
  type TKioskSettings,
  type TPunchEvent,
  type TPunchMethod,
  type TPunchType,
} from '@clockface/contracts/sync';
import { AppError, uuidv7, type Clock } from '@clockface/core';
import {
  clearPinFailures,
  findChainHead,
  findEmployee,
  findEmployeeByCode,
  findLastPunchForEmployee,
  findPinHash,
  findPinLockout,
  insertPunch,
  insertSecurityEvent,
  listRecentPunchesForEmployee,
  recordPinFailure,
  type PunchRecord,
} from '@clockface/db-kiosk';
import { assessAttack, type AttackAssessment, type FrameObservation } from '@clockface/face';
import { appendToChain, genesisHead } from '@clockface/sync-protocol';
import { getAttendanceState } from '@clockface/timekeeping';
import type { AgentStore } from './db';
import { requireIdentity } from './db';
import type { RecognitionResult } from './recognizer';

/** Wrong PINs for one employee before the PIN locks on this kiosk (DEV-08). */
export const PIN_MAX_ATTEMPTS = 5;
/** How long a locked PIN stays locked (DEV-08). */
export const PIN_LOCKOUT_MS = 15 * 60_000;
/**
 * A clock_in older than this no longer counts as "on shift": the next default is clock_in again
 * (the forgotten clock_out becomes a missing-punch exception on the hub, not a surprise clock_out today).
 * The same default as the hub's projection (timekeeping DEFAULT_RULES.maxOpenEntryMinutes).
 */
export const MAX_OPEN_SHIFT_MS = 16 * 60 * 60_000;
/** Punches of one employee replayed to find where they stand (a day has far fewer). */
const RECENT_PUNCHES = 50;

const PAST_TENSE: Record<TPunchType, string> = {
  clock_in: 'clocked in',
  clock_out: 'clocked out',
  break_start: 'started a break',
  break_end: 'ended a break',
};

export interface RecentPunch {
  id: string;
  type: TPunchType;
  deviceTime: string;
}

/**
 * The punch types allowed next, the default first, from the employee's recent punches on this
 * kiosk. Uses the projection's own state machine (timekeeping `getAttendanceState`), so the kiosk
 * offers exactly what the hub will project: off → clock_in; working → clock_out | break_start;
 * on break → break_end | clock_out; a clock_in older than 16 h counts as a forgotten clock_out.
 */
export function allowedNextPunchTypes(recent: readonly RecentPunch[], now: Date): readonly TPunchType[] {
  return getAttendanceState(
    recent.map((punch) => ({ id: punch.id, type: punch.type, occurredAt: punch.deviceTime })),
    { asOf: now.toISOString(), maxOpenEntryMinutes: MAX_OPEN_SHIFT_MS / 60_000, duplicateWindowMinutes: 0 },
  ).nextPunchTypes;
}

/** "08:59" in the kiosk's time zone (hub setting) or the system's. */
export function formatClockTime(at: Date | string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZone,
  }).format(new Date(at));
}

export type PunchOutcome =
  | {
      status: 'recorded';
      punch: TPunchEvent;
      employeeName: string;
      message: string;
      /** Recorded in warn mode although the attack check was not satisfied (a `liveness_warning` went to the hub). */
      isLivenessFlagged?: boolean;
    }
  | { status: 'duplicate'; lastPunch: PunchRecord; employeeName: string; message: string };

export interface RecordPunchInput {
  employeeId: string;
  method: TPunchMethod;
  /** Explicit choice (keypad button, `--type`); default: the next action from the last punch. */
  type?: TPunchType;
  score: number | null;
  liveness: number | null;
  modelId: string | null;
  /**
   * Face punches: the attack check's verdict. A punch recorded despite a doubtful check (warn
   * mode) is flagged: a `liveness_warning` security event naming the punch is queued in the same
   * transaction and reaches the hub with the next heartbeat (audited there).
   */
  attack?: AttackAssessment;
  isLivenessFlagged?: boolean;
}

export interface PunchServiceDeps {
  store: AgentStore;
  clock: Clock;
  /** Monotonic ms (performance.now() + a per-run origin); never goes backwards within a run. */
  monotonicMs: () => number;
  /** A fresh UUID per agent start. */
  runId: string;
  settings: () => TKioskSettings;
}

/** 4 decimals: what the wire format accepts, so the hub re-hashes exactly the stored value. */
function roundScore(value: number | null): number | null {
  return value === null ? null : Math.round(Math.min(1, Math.max(0, value)) * 10_000) / 10_000;
}

function toRow(event: TPunchEvent) {
  return { ...event, status: 'pending' as const };
}

export function createPunchService(deps: PunchServiceDeps) {
  const { store, clock } = deps;

  function isWithinDuplicateWindow(last: PunchRecord, now: Date, windowMs: number): boolean {
    // Within one run, monotonic time is immune to wall-clock jumps; across runs, wall time is all there is.
    const elapsed =
      last.runId === deps.runId
        ? deps.monotonicMs() - last.monotonicMs
        : now.getTime() - new Date(last.deviceTime).getTime();
    return elapsed >= 0 && elapsed < windowMs;
  }

  /**
   * Decides and records one punch; resolves only after the row is committed.
   *
   * @example
   * const outcome = punches.recordPunch({ employeeId, method: 'face', score: 0.81, liveness: 0.97, modelId });
   * if (outcome.status === 'duplicate') show(outcome.message); // "Ada: already clocked in at 08:59"
   */
  function recordPunch(input: RecordPunchInput): PunchOutcome {
    const identity = requireIdentity(store);
    const settings = deps.settings();
    return store.db.transaction(
      (tx) => {
        const now = clock.now();
        const employee = findEmployee(tx, { id: input.employeeId });
        if (!employee || employee.orgId !== identity.orgId) {
          throw new AppError('NOT_FOUND', {
            message: `Expected an employee of this kiosk's roster, got ${input.employeeId}`,
          });
        }
        if (!employee.isActive) {
          throw new AppError('FORBIDDEN', {
            message: `${employee.displayName} is not active and cannot punch`,
          });
        }
        const last = findLastPunchForEmployee(tx, { employeeId: employee.id });
        const isExplicitOtherType =
          input.type !== undefined && last !== undefined && input.type !== last.type;
        if (
          last &&
          !isExplicitOtherType &&
          isWithinDuplicateWindow(last, now, settings.duplicateWindowSeconds * 1000)
        ) {
          return {
            status: 'duplicate' as const,
            lastPunch: last,
            employeeName: employee.displayName,
            message: `${employee.displayName}: already ${PAST_TENSE[last.type]} at ${formatClockTime(last.deviceTime, settings.timeZone)}`,
          };
        }
        const recent = listRecentPunchesForEmployee(tx, { employeeId: employee.id, limit: RECENT_PUNCHES });
        // The device clock can be behind the newest punch (a clock fix, another run): replay up to both.
        const asOf = last && new Date(last.deviceTime) > now ? new Date(last.deviceTime) : now;
        const allowed = allowedNextPunchTypes(recent, asOf);
        const type = input.type ?? allowed[0]!;
        if (!allowed.includes(type)) {
          throw new AppError('CONFLICT', {
            message: `Expected ${allowed.join(' or ')} after ${last ? `${PAST_TENSE[last.type]} at ${formatClockTime(last.deviceTime, settings.timeZone)}` : 'no punch'}, got ${type}`,
          });
        }
        const head = findChainHead(tx) ?? genesisHead(identity.deviceId);
        const event = appendToChain(head, {
          id: uuidv7(),
          deviceId: identity.deviceId,
          employeeId: employee.id,
          type,
          method: input.method,
          deviceTime: now.toISOString(),
          monotonicMs: Math.max(0, Math.floor(deps.monotonicMs())),
          runId: deps.runId,
          score: roundScore(input.score),
          liveness: roundScore(input.liveness),
          modelId: input.modelId,
        });
        // Only contract-valid events enter the outbox: one the hub's schema refuses would sit pending forever.
        const checked = ZPunchEvent.safeParse(event);
        if (!checked.success) {
          throw new AppError('VALIDATION_FAILED', {
            message: `The punch does not match the sync contract: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
          });
        }
        insertPunch(tx, toRow(event));
        if (input.isLivenessFlagged) {
          insertSecurityEvent(tx, {
            kind: 'liveness_warning',
            at: now,
            employeeId: employee.id,
            details: livenessDetails(event.id, input.attack),
          });
        }
        return {
          status: 'recorded' as const,
          punch: event,
          employeeName: employee.displayName,
          message: `${employee.displayName}: ${PAST_TENSE[type]} at ${formatClockTime(event.deviceTime, settings.timeZone)}`,
          ...(input.isLivenessFlagged ? { isLivenessFlagged: true } : {}),
        };
      },
      { behavior: 'immediate' },
    );
  }

  /**
   * Keypad / CLI punch: employee number AND PIN (argon2id from the roster). Unknown number, no PIN
   * and wrong PIN all answer INVALID_CREDENTIALS; 5 wrong PINs lock that PIN for 15 min (PIN_LOCKED)
   * and queue a `pin_locked` security event for the hub.
   */
  async function punchWithPin(input: {
    code: string;
    pin: string;
    type?: TPunchType;
  }): Promise<PunchOutcome> {
    const identity = requireIdentity(store);
    const invalid = () => new AppError('INVALID_CREDENTIALS', { message: 'Employee number or PIN is wrong' });
    const employee = findEmployeeByCode(store.db, { orgId: identity.orgId, code: input.code });
    if (!employee) throw invalid();
    const pinHash = findPinHash(store.db, { employeeId: employee.id });
    if (!pinHash) throw invalid();

    const lockout = findPinLockout(store.db, { employeeId: employee.id });
    const lockedUntil = lockout?.lockedUntil ? new Date(lockout.lockedUntil) : undefined;
    if (lockedUntil && lockedUntil > clock.now()) throw pinLocked(lockedUntil);

    let isMatch: boolean;
    try {
      if (!pinHash.hash.startsWith('$argon2id$')) throw new Error('not an argon2id hash');
      isMatch = await verifyArgon2(pinHash.hash, input.pin);
    } catch (error) {
      // A malformed hash from the roster: refuse, and say so, rather than crash or let anyone in.
      throw new AppError('INTERNAL', {
        message: `The PIN hash of employee ${employee.code} cannot be read`,
        cause: error,
      });
    }
    if (!isMatch) {
      const failure = store.db.transaction(
        (tx) => {
          const result = recordPinFailure(tx, {
            employeeId: employee.id,
            now: clock.now(),
            maxAttempts: PIN_MAX_ATTEMPTS,
            lockoutMs: PIN_LOCKOUT_MS,
          });
          if (result.isNowLocked) {
            insertSecurityEvent(tx, {
              kind: 'pin_locked',
              at: clock.now(),
              employeeId: employee.id,
              details: { attempts: PIN_MAX_ATTEMPTS, lockedUntil: result.lockedUntil!.toISOString() },
            });
          }
          return result;
        },
        { behavior: 'immediate' },
      );
      if (failure.isNowLocked) throw pinLocked(failure.lockedUntil!);
      throw invalid();
    }
    clearPinFailures(store.db, { employeeId: employee.id });
    return recordPunch({
      employeeId: employee.id,
      method: 'pin',
      ...(input.type ? { type: input.type } : {}),
      score: null,
      liveness: null,
      modelId: null,
    });

    function pinLocked(until: Date): AppError {
      return new AppError('PIN_LOCKED', {
        message: `Too many wrong PINs for employee ${employee!.code}; locked until ${until.toISOString()}`,
        retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - clock.now().getTime()) / 1000)),
      });
    }
  }

  return { recordPunch, punchWithPin };
}

export type PunchService = ReturnType<typeof createPunchService>;

/** What a `liveness_warning` security event says about the punch (the hub audits it). */
function livenessDetails(
  punchId: string,
  attack: AttackAssessment | undefined,
): Record<string, string | number | boolean | null> {
  return {
    punchId,
    verdict: attack?.verdict ?? 'suspect',
    passive: attack?.passive === undefined ? null : Math.round(attack.passive * 10_000) / 10_000,
    blink: attack?.active?.blink ?? false,
    headTurn: attack?.active?.headTurn ?? false,
    frames: attack?.active?.frames ?? 0,
    reasons: (attack?.reasons ?? []).join('; ').slice(0, 500),
  };
}

/** Frames kept for the active check (about 6 s at 5 fps): older ones slide out. */
export const ACTIVE_CHECK_MAX_FRAMES = 30;
/**
 * Frames in a row with a face that was not identified, which a running challenge rides over: eyes
 * closed in a blink fail the quality gate, so the blink's middle frames carry no identity.
 */
export const CHALLENGE_GAP_FRAMES = 4;

/** What the kiosk screen shows while the attack check waits for a blink or a head turn. */
export interface LivenessPrompt {
  kind: 'blink';
  message: string;
  employeeId: string;
}
export const BLINK_PROMPT_MESSAGE = 'Blink, please';

export type FaceProposal = RecognitionResult & {
  employeeId: string;
  /** Recorded but flagged (warn mode): the passive score was low or the face track jumped. */
  isPadWarning: boolean;
  attack: AttackAssessment;
};

/**
 * Turns per-frame recognitions into punch proposals: the same identity over N consecutive frames,
 * above the match threshold, with the org's attack check (`padMode`) applied:
 * - `off`: not evaluated;
 * - `warn`: the punch is proposed; a low passive score or a jumping face track flags it
 *   (`isPadWarning`, recorded as a `liveness_warning`);
 * - `block`: a low passive score stops it, and the active check over the frames of this streak
 *   (packages/face `assessAttack`: a blink or a small head turn on one continuous face track) must
 *   pass; until it does, `prompt` says "Blink, please" and the streak goes on collecting frames.
 * After a proposal the streak restarts, so a person standing still proposes again only after
 * another N frames (and the duplicate window then answers "already clocked in").
 */
export function createFrameDecider(settings: () => TKioskSettings) {
  let streakEmployeeId: string | null = null;
  let streak = 0;
  let observations: FrameObservation[] = [];
  let gap = 0;
  let prompt: LivenessPrompt | null = null;

  function reset(): void {
    streakEmployeeId = null;
    streak = 0;
    observations = [];
    gap = 0;
    prompt = null;
  }

  function observe(observation: FrameObservation | undefined): void {
    if (!observation) return;
    observations.push(observation);
    if (observations.length > ACTIVE_CHECK_MAX_FRAMES) observations.shift();
  }

  return {
    push(result: RecognitionResult | null): FaceProposal | undefined {
      const current = settings();
      const { matchThreshold, consecutiveFrames } = current.recognition;
      const padThreshold = current.padThreshold ?? 0.5;
      // A face seen but not identified, in the middle of a challenge: most likely the blink itself.
      if (prompt && result?.employeeId === null && result.observation && gap < CHALLENGE_GAP_FRAMES) {
        gap += 1;
        observe(result.observation);
        return undefined;
      }
      const isPadFail = current.padMode !== 'off' && result !== null && result.liveness < padThreshold;
      if (
        !result ||
        result.employeeId === null ||
        result.score < matchThreshold ||
        (isPadFail && current.padMode === 'block')
      ) {
        reset();
        return undefined;
      }
      gap = 0;
      if (result.employeeId !== streakEmployeeId) {
        reset();
        streakEmployeeId = result.employeeId;
      }
      streak += 1;
      observe(result.observation);
      if (streak < consecutiveFrames) return undefined;
      const attack = assessAttack(current.padMode, result.liveness, observations);
      if (current.padMode === 'block' && !attack.allowed) {
        if (attack.verdict === 'challenge-required') {
          if (prompt?.employeeId !== result.employeeId)
            prompt = { kind: 'blink', message: BLINK_PROMPT_MESSAGE, employeeId: result.employeeId };
        } else {
          // The face jumped between frames (or the passive score failed): start over.
          reset();
        }
        return undefined;
      }
      streak = 0;
      observations = [];
      prompt = null;
      return {
        ...result,
        employeeId: result.employeeId,
        isPadWarning: current.padMode === 'warn' && (isPadFail || attack.verdict === 'suspect'),
        attack,
      };
    },
    /** The challenge the screen should show now ("Blink, please"), or null. */
    get prompt(): LivenessPrompt | null {
      return prompt;
    },
    reset,
  };
}
