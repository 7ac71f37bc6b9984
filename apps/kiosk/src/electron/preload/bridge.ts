/**
 * `window.kiosk` (ELEC-02): exactly the KioskBridge keys, each bound to one channel. No raw
 * ipcRenderer, no generic send/invoke, and listeners never see Electron's event object (it carries
 * `sender` and ports).
 */
import type { KIOSK_BRIDGE_KEYS } from '../shared/ipc-contract';
import {
  IPC_CHANNELS,
  type KioskBridge,
  type KioskStatusView,
  type PinPunchResult,
  type PunchView,
  type RecognitionView,
} from '../shared/ipc-contract';

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  send(channel: string, ...args: unknown[]): void;
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

// Compile-time: KIOSK_BRIDGE_KEYS lists exactly the bridge's keys.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const keysMatch: Exact<(typeof KIOSK_BRIDGE_KEYS)[number], keyof KioskBridge> = true;
void keysMatch;

export function createKioskBridge(ipc: IpcRendererLike): KioskBridge {
  const subscribe =
    <T>(channel: string) =>
    (listener: (payload: T) => void) => {
      const wrapped = (_event: unknown, payload: unknown) => listener(payload as T);
      ipc.on(channel, wrapped);
      return () => {
        ipc.removeListener(channel, wrapped);
      };
    };
  return {
    postFrame: (frame) =>
      ipc.send(IPC_CHANNELS.postFrame, {
        data: frame.data,
        mimeType: frame.mimeType,
        capturedAt: frame.capturedAt,
      }),
    getStatus: () => ipc.invoke(IPC_CHANNELS.getStatus) as Promise<KioskStatusView>,
    punchWithPin: (request) =>
      ipc.invoke(IPC_CHANNELS.punchWithPin, {
        code: request.code,
        pin: request.pin,
        ...(request.type ? { type: request.type } : {}),
      }) as Promise<PinPunchResult>,
    onRecognition: subscribe<RecognitionView>(IPC_CHANNELS.recognition),
    onPunch: subscribe<PunchView>(IPC_CHANNELS.punch),
    onStatus: subscribe<KioskStatusView>(IPC_CHANNELS.status),
  } satisfies KioskBridge;
}
