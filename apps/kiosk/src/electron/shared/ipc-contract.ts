/**
 * The kiosk's IPC contract: channel names and payload shapes between the renderer (through the
 * preload's `window.kiosk`), the Electron main process and the agent's utility process.
 * No imports: main, preload, the agent process and (later) the renderer all read it.
 *
 * What never crosses to the renderer (BIO-08): templates, keys, PIN hashes. Only match results,
 * punch outcomes and status.
 */

/** Renderer ⇄ main channels. Every one is validated in main (zod) and checked for its sender. */
export const IPC_CHANNELS = {
  /** renderer → main, fire and forget: one camera frame. */
  postFrame: 'kiosk:post-frame',
  /** renderer → main, invoke: the current status. */
  getStatus: 'kiosk:get-status',
  /** renderer → main, invoke: a keypad punch (employee number + PIN). */
  punchWithPin: 'kiosk:punch-with-pin',
  /** main → renderer: a recognition result per frame the agent looked at. */
  recognition: 'kiosk:recognition',
  /** main → renderer: a punch recorded or suppressed as a duplicate. */
  punch: 'kiosk:punch',
  /** main → renderer: the status changed. */
  status: 'kiosk:status',
} as const;

/** Largest camera frame the renderer may post (the agent's posted frame source has the same cap). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export type FrameMimeType = 'image/jpeg' | 'image/png';

export interface PostedFrameMessage {
  data: Uint8Array;
  mimeType: FrameMimeType;
  /** Capture time, ms since the epoch (the renderer's clock; informational). */
  capturedAt: number;
}

export interface RecognitionView {
  /** null: no usable face, or a face nobody matched (never the nearest employee). */
  employeeId: string | null;
  score: number;
  liveness: number;
}

export interface PunchView {
  status: 'recorded' | 'duplicate';
  employeeId: string;
  employeeName: string;
  /** e.g. "Ada: clocked in at 08:59", "Ada: already clocked in at 08:59". */
  message: string;
  punchType: 'clock_in' | 'clock_out' | 'break_start' | 'break_end';
  /** ISO instant of the punch (for a duplicate: of the earlier punch). */
  at: string;
}

export type PunchType = PunchView['punchType'];

export interface PinPunchRequest {
  code: string;
  pin: string;
  /** An explicit action (keypad button); default: the next action from the employee's last punch. */
  type?: PunchType;
}

export type PinPunchResult =
  | { ok: true; punch: PunchView }
  /** e.g. INVALID_CREDENTIALS, PIN_LOCKED (with retryAfterSeconds), CONFLICT, NOT_PROVISIONED, SERVICE_UNAVAILABLE. */
  | { ok: false; code: string; message: string; retryAfterSeconds?: number };

export type AgentRunState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface KioskStatusView {
  agent: AgentRunState;
  provisioning: 'provisioned' | 'not_provisioned' | 'revoked' | 'unknown';
  deviceName: string | null;
  /** `unavailable`: the key cannot be unsealed now (keyring locked); nothing was wiped. */
  dataKey: 'ready' | 'reprovision_required' | 'unavailable' | 'unknown';
  /** Shown on the maintenance screen, e.g. "OS secure storage unavailable: key in a plain file". */
  warnings: string[];
  queueDepth: number | null;
  lastSyncAt: string | null;
  lastError: string | null;
}

/** `window.kiosk` in the renderer: exactly these keys, no raw ipcRenderer (ELEC-02). */
export interface KioskBridge {
  postFrame(frame: PostedFrameMessage): void;
  getStatus(): Promise<KioskStatusView>;
  punchWithPin(request: PinPunchRequest): Promise<PinPunchResult>;
  /** Each returns an unsubscribe function. */
  onRecognition(listener: (result: RecognitionView) => void): () => void;
  onPunch(listener: (punch: PunchView) => void): () => void;
  onStatus(listener: (status: KioskStatusView) => void): () => void;
}

export const KIOSK_BRIDGE_KEYS = [
  'postFrame',
  'getStatus',
  'punchWithPin',
  'onRecognition',
  'onPunch',
  'onStatus',
] as const;
