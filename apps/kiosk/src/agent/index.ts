/**
 * @module The kiosk agent (plain Node, no Electron): local store, punch decisions, frame loop,
 * outbox. Runs headless from cli.ts and, later, as the Electron shell's utility process.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '@clockface/core';
import type { AgentStore } from './db';
import type { FrameSource } from './frame-sources';
import {
  createFrameDecider,
  createPunchService,
  type LivenessPrompt,
  type PunchOutcome,
} from './punch.service';
import type { Recognizer } from './recognizer';
import { loadSettings } from './status';

export * from './config';
export * from './db';
export * from './frame-sources';
export * from './outbox';
export * from './provisioning';
export * from './punch.service';
export * from './recognizer';
export * from './roster-sync';
export * from './status';
export * from './sync-loop';

export type AgentEvent =
  | { type: 'frame'; index: number }
  | { type: 'punch'; outcome: PunchOutcome }
  /** The attack check's prompt changed: "Blink, please" while it waits, null when it is over. */
  | { type: 'prompt'; prompt: LivenessPrompt | null }
  | { type: 'error'; message: string };

export interface RunAgentOptions {
  store: AgentStore;
  frameSource: FrameSource;
  /** The face pipeline; until packages/face is wired, frames are read but not matched. */
  recognizer?: Recognizer;
  clock?: Clock;
  signal?: AbortSignal;
  /** Stop after this many frames (tests, demos); default: until the signal aborts. */
  maxFrames?: number;
  onEvent?: (event: AgentEvent) => void;
}

/**
 * The headless frame loop: frames → recognizer → N-consecutive-frames decider → punch service.
 * Never throws for a bad frame or a rejected punch: it reports an `error` event and goes on.
 */
export async function runAgent(options: RunAgentOptions) {
  const clock = options.clock ?? systemClock;
  const settings = () => loadSettings(options.store);
  const punches = createPunchService({
    store: options.store,
    clock,
    monotonicMs: () => performance.now(),
    runId: randomUUID(),
    settings,
  });
  const decider = createFrameDecider(settings);
  const summary = { frames: 0, proposals: 0, recorded: 0, duplicates: 0, errors: 0 };
  for await (const frame of options.frameSource.frames(options.signal)) {
    summary.frames += 1;
    options.onEvent?.({ type: 'frame', index: frame.index });
    if (options.recognizer) {
      try {
        const shown = decider.prompt;
        const proposal = decider.push(await options.recognizer.recognize(frame));
        if (decider.prompt !== shown) options.onEvent?.({ type: 'prompt', prompt: decider.prompt });
        if (proposal) {
          summary.proposals += 1;
          const outcome = punches.recordPunch({
            employeeId: proposal.employeeId,
            method: 'face',
            score: proposal.score,
            liveness: proposal.liveness,
            modelId: proposal.modelId,
            attack: proposal.attack,
            isLivenessFlagged: proposal.isPadWarning,
          });
          if (outcome.status === 'recorded') summary.recorded += 1;
          else summary.duplicates += 1;
          options.onEvent?.({ type: 'punch', outcome });
        }
      } catch (error) {
        summary.errors += 1;
        options.onEvent?.({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    }
    if (options.maxFrames !== undefined && summary.frames >= options.maxFrames) break;
  }
  return summary;
}
