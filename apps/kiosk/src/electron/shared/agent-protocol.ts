/**
 * Messages between the Electron main process and the agent's utility process (structured clone,
 * so Buffers arrive as Uint8Array). The data key travels only here, in the `start` message after
 * spawn, never in argv or env (ELEC-08).
 */
import type { SealedKeyMaterial, SpareKey } from '../../agent/key-files';
import type { KioskStatusView, PinPunchResult, PunchType, PunchView, RecognitionView } from './ipc-contract';

export type AgentKeyPlan =
  /** The key sealed by OS secure storage, unsealed by main. */
  | { mode: 'sealed'; material: SealedKeyMaterial }
  /** OS secure storage unavailable: the headless key file (0600), with a warning for status. */
  | { mode: 'file'; keyFile: string; warning: string };

export type ToAgentMessage =
  | {
      type: 'start';
      dataDir: string;
      key: AgentKeyPlan;
      /** false: a keypad-only kiosk (and tests): the face engine is not started. Default true. */
      faceRecognition?: boolean;
    }
  | { type: 'frame'; data: Uint8Array; mimeType: 'image/jpeg' | 'image/png'; capturedAt: number }
  | { type: 'spare-key'; spare: SpareKey }
  /** A keypad punch; answered by `pin-punch-result` with the same id. */
  | { type: 'pin-punch'; requestId: string; code: string; pin: string; punchType?: PunchType }
  /** Stop taking frames and keypad punches, let the punches being written commit, stop sync, close the store, exit 0. */
  | { type: 'shutdown' };

export type FromAgentMessage =
  | { type: 'status'; status: Omit<KioskStatusView, 'agent'> }
  | { type: 'recognition'; result: RecognitionView }
  | { type: 'punch'; punch: PunchView }
  | { type: 'pin-punch-result'; requestId: string; result: PinPunchResult }
  | { type: 'need-spare-key' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'stopped' };
