/**
 * The renderer's IPC surface in main (ELEC-02): exactly the KioskBridge channels, each checking its
 * sender (our window's top frame on app://kiosk) and its payload (zod) before anything happens.
 * A refused message changes nothing and is logged; an invoke is rejected.
 */
import { z } from 'zod';
import {
  IPC_CHANNELS,
  MAX_FRAME_BYTES,
  type KioskStatusView,
  type PinPunchRequest,
  type PinPunchResult,
  type PostedFrameMessage,
} from '../shared/ipc-contract';
import { isAppUrl } from './security';

export const ZPostedFrame = z.strictObject({
  data: z
    .instanceof(Uint8Array)
    .refine((bytes) => bytes.byteLength > 0 && bytes.byteLength <= MAX_FRAME_BYTES, {
      message: `a frame is 1 byte to ${MAX_FRAME_BYTES} bytes`,
    }),
  mimeType: z.enum(['image/jpeg', 'image/png']),
  capturedAt: z.number().finite(),
});

export const ZPinPunchRequest = z.strictObject({
  code: z.string().trim().min(1).max(32),
  pin: z.string().regex(/^[0-9]{4,12}$/, 'a PIN is 4 to 12 digits'),
  type: z.enum(['clock_in', 'clock_out', 'break_start', 'break_end']).optional(),
});

/** The parts of Electron's IpcMainEvent / IpcMainInvokeEvent that the checks read. */
export interface IpcSenderEvent {
  sender: { id: number };
  senderFrame: { url: string; parent: unknown } | null;
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void): unknown;
  handle(channel: string, handler: (event: IpcSenderEvent, ...args: unknown[]) => unknown): unknown;
}

export interface KioskIpcDeps {
  /** The id of the kiosk window's webContents (messages from any other are refused). */
  kioskWebContentsId: () => number | undefined;
  onFrame: (frame: PostedFrameMessage) => void;
  getStatus: () => KioskStatusView;
  punchWithPin: (request: PinPunchRequest) => Promise<PinPunchResult>;
  log: (level: 'warn', message: string) => void;
}

/** Our window, its top frame, our origin. A frame that navigated away (or was destroyed) is refused. */
export function isTrustedSender(event: IpcSenderEvent, kioskWebContentsId: number | undefined): boolean {
  const frame = event.senderFrame;
  return (
    kioskWebContentsId !== undefined &&
    event.sender.id === kioskWebContentsId &&
    frame !== null &&
    frame.parent === null &&
    isAppUrl(frame.url)
  );
}

export function registerKioskIpc(ipcMain: IpcMainLike, deps: KioskIpcDeps) {
  const postFrame = (event: IpcSenderEvent, ...args: unknown[]) => {
    if (!isTrustedSender(event, deps.kioskWebContentsId())) {
      deps.log(
        'warn',
        `ipc ${IPC_CHANNELS.postFrame}: refused a sender (${event.senderFrame?.url ?? 'no frame'})`,
      );
      return;
    }
    const parsed = args.length === 1 ? ZPostedFrame.safeParse(args[0]) : undefined;
    if (!parsed?.success) {
      deps.log('warn', `ipc ${IPC_CHANNELS.postFrame}: refused a malformed frame`);
      return;
    }
    deps.onFrame(parsed.data);
  };
  const getStatus = (event: IpcSenderEvent, ...args: unknown[]) => {
    if (!isTrustedSender(event, deps.kioskWebContentsId())) {
      deps.log(
        'warn',
        `ipc ${IPC_CHANNELS.getStatus}: refused a sender (${event.senderFrame?.url ?? 'no frame'})`,
      );
      throw new Error('Forbidden');
    }
    if (args.length !== 0) throw new Error('getStatus takes no arguments');
    return deps.getStatus();
  };
  const punchWithPin = async (event: IpcSenderEvent, ...args: unknown[]): Promise<PinPunchResult> => {
    if (!isTrustedSender(event, deps.kioskWebContentsId())) {
      deps.log(
        'warn',
        `ipc ${IPC_CHANNELS.punchWithPin}: refused a sender (${event.senderFrame?.url ?? 'no frame'})`,
      );
      throw new Error('Forbidden');
    }
    const parsed = args.length === 1 ? ZPinPunchRequest.safeParse(args[0]) : undefined;
    if (!parsed?.success) {
      // Never log the payload: it holds a PIN.
      return {
        ok: false,
        code: 'VALIDATION_FAILED',
        message: 'Enter your employee number and a PIN of 4 to 12 digits',
      };
    }
    return deps.punchWithPin(parsed.data);
  };
  ipcMain.on(IPC_CHANNELS.postFrame, postFrame);
  ipcMain.handle(IPC_CHANNELS.punchWithPin, punchWithPin);
  ipcMain.handle(IPC_CHANNELS.getStatus, getStatus);
  return { postFrame, getStatus, punchWithPin };
}
