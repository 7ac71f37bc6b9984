import { describe, expect, it } from 'vitest';
import { MAX_POSTED_FRAME_BYTES } from '../../agent/frame-sources';
import { createKioskBridge, type IpcRendererLike } from '../preload/bridge';
import {
  IPC_CHANNELS,
  KIOSK_BRIDGE_KEYS,
  MAX_FRAME_BYTES,
  type KioskStatusView,
  type PinPunchRequest,
  type PostedFrameMessage,
} from '../shared/ipc-contract';
import { registerKioskIpc, type IpcSenderEvent } from './ipc';

const STATUS: KioskStatusView = {
  agent: 'running',
  provisioning: 'provisioned',
  deviceName: 'Front door',
  dataKey: 'ready',
  warnings: [],
  queueDepth: 0,
  lastSyncAt: null,
  lastError: null,
};
const KIOSK_ID = 7;
const jpeg = () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

/** ipcMain as a plain registry: the handlers main registers, called as Electron would call them. */
function setup() {
  const frames: PostedFrameMessage[] = [];
  const pins: PinPunchRequest[] = [];
  const warnings: string[] = [];
  const registered = new Map<string, (event: IpcSenderEvent, ...args: unknown[]) => unknown>();
  registerKioskIpc(
    {
      on: (channel, listener) => registered.set(channel, listener),
      handle: (channel, handler) => registered.set(channel, handler),
    },
    {
      kioskWebContentsId: () => KIOSK_ID,
      onFrame: (frame) => frames.push(frame),
      getStatus: () => STATUS,
      punchWithPin: async (request) => {
        pins.push(request);
        return { ok: false, code: 'INVALID_CREDENTIALS', message: 'Employee number or PIN is wrong' };
      },
      log: (_level, message) => warnings.push(message),
    },
  );
  return { frames, pins, warnings, registered };
}

const fromKiosk = (url = 'app://kiosk/index.html'): IpcSenderEvent => ({
  sender: { id: KIOSK_ID },
  senderFrame: { url, parent: null },
});

describe('ELEC-02 main checks the sender and the payload of every IPC message', () => {
  it('registers exactly the bridge channels that go from renderer to main', () => {
    expect([...setup().registered.keys()].sort()).toEqual(
      [IPC_CHANNELS.getStatus, IPC_CHANNELS.postFrame, IPC_CHANNELS.punchWithPin].sort(),
    );
  });

  it('takes a valid frame from the kiosk window and answers status', async () => {
    const { frames, registered } = setup();
    registered.get(IPC_CHANNELS.postFrame)!(fromKiosk(), {
      data: jpeg(),
      mimeType: 'image/jpeg',
      capturedAt: 1,
    });
    expect(frames).toHaveLength(1);
    expect(await registered.get(IPC_CHANNELS.getStatus)!(fromKiosk())).toEqual(STATUS);
  });

  const foreign: [string, IpcSenderEvent][] = [
    ['https://evil.example', fromKiosk('https://evil.example/')],
    ['app://kiosk.evil', fromKiosk('app://kiosk.evil/index.html')],
    ['file://', fromKiosk('file:///app/index.html')],
    ['a subframe', { sender: { id: KIOSK_ID }, senderFrame: { url: 'app://kiosk/frame.html', parent: {} } }],
    [
      'another webContents',
      { sender: { id: 99 }, senderFrame: { url: 'app://kiosk/index.html', parent: null } },
    ],
    ['a destroyed frame', { sender: { id: KIOSK_ID }, senderFrame: null }],
  ];

  it.each(foreign)('ignores frames and rejects status and keypad punches from %s', async (_name, event) => {
    const { frames, pins, warnings, registered } = setup();
    registered.get(IPC_CHANNELS.postFrame)!(event, { data: jpeg(), mimeType: 'image/jpeg', capturedAt: 1 });
    expect(frames).toHaveLength(0);
    expect(() => registered.get(IPC_CHANNELS.getStatus)!(event)).toThrow(/Forbidden/);
    await expect(
      registered.get(IPC_CHANNELS.punchWithPin)!(event, { code: '1001', pin: '4711' }),
    ).rejects.toThrow(/Forbidden/);
    expect(pins).toHaveLength(0);
    expect(warnings).toHaveLength(3);
  });

  it.each([
    ['no payload', []],
    ['two payloads', [{ data: jpeg(), mimeType: 'image/jpeg', capturedAt: 1 }, {}]],
    ['a string instead of bytes', [{ data: 'ffd8', mimeType: 'image/jpeg', capturedAt: 1 }]],
    ['an array instead of bytes', [{ data: [255, 216], mimeType: 'image/jpeg', capturedAt: 1 }]],
    ['empty bytes', [{ data: new Uint8Array(0), mimeType: 'image/jpeg', capturedAt: 1 }]],
    [
      'too many bytes',
      [{ data: new Uint8Array(MAX_FRAME_BYTES + 1), mimeType: 'image/jpeg', capturedAt: 1 }],
    ],
    ['another type', [{ data: jpeg(), mimeType: 'text/html', capturedAt: 1 }]],
    ['an extra key', [{ data: jpeg(), mimeType: 'image/jpeg', capturedAt: 1, path: '/etc/passwd' }]],
    ['no capture time', [{ data: jpeg(), mimeType: 'image/jpeg' }]],
    ['NaN capture time', [{ data: jpeg(), mimeType: 'image/jpeg', capturedAt: Number.NaN }]],
  ])('refuses a frame with %s', (_name, args) => {
    const { frames, warnings, registered } = setup();
    registered.get(IPC_CHANNELS.postFrame)!(fromKiosk(), ...args);
    expect(frames).toHaveLength(0);
    expect(warnings).toEqual([`ipc ${IPC_CHANNELS.postFrame}: refused a malformed frame`]);
  });

  it('forwards a valid keypad punch; a malformed one is answered without reaching the agent or the log', async () => {
    const { pins, warnings, registered } = setup();
    const punch = registered.get(IPC_CHANNELS.punchWithPin)!;
    expect(await punch(fromKiosk(), { code: ' 1001 ', pin: '4711', type: 'clock_in' })).toMatchObject({
      ok: false,
      code: 'INVALID_CREDENTIALS',
    });
    expect(pins).toEqual([{ code: '1001', pin: '4711', type: 'clock_in' }]);
    for (const bad of [
      { code: '1001', pin: '47' },
      { code: '1001', pin: '47a1' },
      { code: '', pin: '4711' },
      { code: '1001', pin: '4711', type: 'overtime' },
      { code: '1001', pin: '4711', extra: true },
      { code: '1001', pin: 4711 },
      '1001:4711',
    ]) {
      expect(await punch(fromKiosk(), bad)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
    }
    expect(pins).toHaveLength(1);
    expect(warnings.join(' ')).not.toContain('4711');
  });

  it('rejects status with arguments', () => {
    expect(() => setup().registered.get(IPC_CHANNELS.getStatus)!(fromKiosk(), 'x')).toThrow(/no arguments/);
  });

  it('main and the agent cap frames at the same size', () => {
    expect(MAX_FRAME_BYTES).toBe(MAX_POSTED_FRAME_BYTES);
  });
});

describe('the preload bridge', () => {
  function recordingIpc() {
    const sent: [string, unknown[]][] = [];
    const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
    const ipc: IpcRendererLike = {
      send: (channel, ...args) => void sent.push([channel, args]),
      invoke: async (channel, ...args) => {
        sent.push([channel, args]);
        return channel === IPC_CHANNELS.getStatus ? STATUS : undefined;
      },
      on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
      removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
    };
    const emit = (channel: string, payload: unknown) =>
      listeners
        .get(channel)
        ?.forEach((listener) => listener({ sender: 'electron internals', ports: [] }, payload));
    return { ipc, sent, emit, listeners };
  }

  it('exposes exactly the KioskBridge keys: functions only, no ipcRenderer, no generic send or invoke', () => {
    const bridge = createKioskBridge(recordingIpc().ipc);
    expect(Object.keys(bridge).sort()).toEqual([...KIOSK_BRIDGE_KEYS].sort());
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
  });

  it('posts frames on the frame channel, with only the contract fields', () => {
    const { ipc, sent } = recordingIpc();
    const frame = { data: jpeg(), mimeType: 'image/jpeg' as const, capturedAt: 5, extra: 'dropped' };
    createKioskBridge(ipc).postFrame(frame);
    expect(sent).toEqual([
      [IPC_CHANNELS.postFrame, [{ data: frame.data, mimeType: 'image/jpeg', capturedAt: 5 }]],
    ]);
  });

  it('hands listeners the payload only (never the IPC event) and unsubscribes', async () => {
    const { ipc, emit, listeners } = recordingIpc();
    const bridge = createKioskBridge(ipc);
    const seen: unknown[][] = [];
    const off = bridge.onPunch((...args) => seen.push(args));
    emit(IPC_CHANNELS.punch, { status: 'recorded', message: 'Ada: clocked in at 08:59' });
    expect(seen).toEqual([[{ status: 'recorded', message: 'Ada: clocked in at 08:59' }]]);
    off();
    expect(listeners.get(IPC_CHANNELS.punch)?.size).toBe(0);
    expect(await bridge.getStatus()).toEqual(STATUS);
  });

  it('sends a keypad punch with only the contract fields', async () => {
    const { ipc, sent } = recordingIpc();
    await createKioskBridge(ipc).punchWithPin({ code: '1001', pin: '4711', extra: 'dropped' } as never);
    expect(sent).toEqual([[IPC_CHANNELS.punchWithPin, [{ code: '1001', pin: '4711' }]]]);
  });
});
