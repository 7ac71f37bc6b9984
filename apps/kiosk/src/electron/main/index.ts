/**
 * The Electron main process: lifecycle only (STYLE.md). Single instance, the app:// protocol, one
 * locked-down kiosk window, the agent in a utility process, IPC, and a quit that waits for the agent
 * to finish its write. Every decision lives in a tested module beside this one.
 *
 * Cannot run on the build machine (no Electron binary); typechecked with electron.d.ts.
 */
import { resolve } from 'node:path';
import { app, BrowserWindow, ipcMain, protocol, safeStorage, session, utilityProcess } from 'electron';
import type { FromAgentMessage } from '../shared/agent-protocol';
import { IPC_CHANNELS, type AgentRunState, type KioskStatusView } from '../shared/ipc-contract';
import { createAgentHost, type AgentChild } from './agent-host';
import { loadShellConfig } from './config';
import { registerKioskIpc } from './ipc';
import { handleAppRequest } from './protocol';
import { makeSpareKey, prepareDataKey } from './secure-storage';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  isAppUrl,
  isBlockedInput,
  isDevicePermissionGranted,
  isPermissionGranted,
  shouldPreventNavigation,
  windowOpenHandler,
} from './security';
import { buildWindowOptions } from './window';

// The bundle is dist/electron/main.cjs; apps/kiosk is two folders up.
const buildDir = __dirname;
const config = loadShellConfig({ buildDir, appRoot: resolve(buildDir, '..', '..') });
const log = (level: 'info' | 'warn' | 'error', message: string) => console[level](`[kiosk] ${message}`);

// Before ready: app:// is standard (origin, relative URLs) and secure (getUserMedia needs it) — ELEC-06.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (process.argv.some((argument) => argument.startsWith('--remote-debugging-port')) && app.isPackaged) {
  log('error', 'refusing to start with a remote debugging port (ELEC-09)');
  app.exit(1);
}

let window: BrowserWindow | undefined;
let agentState: AgentRunState = 'stopped';
let agentStatus: Omit<KioskStatusView, 'agent'> = {
  provisioning: 'unknown',
  deviceName: null,
  dataKey: 'unknown',
  warnings: [],
  queueDepth: null,
  lastSyncAt: null,
  lastError: null,
};
const currentStatus = (): KioskStatusView => ({ agent: agentState, ...agentStatus });
const toRenderer = (channel: string, payload: unknown) => {
  if (window && !window.isDestroyed() && isAppUrl(window.webContents.getURL()))
    window.webContents.send(channel, payload);
};

function wrapUtilityProcess(): AgentChild {
  const child = utilityProcess.fork(config.agentEntry, ['--clockface-agent'], {
    serviceName: 'Clockface agent',
    execArgv: config.agentExecArgv,
    stdio: 'inherit',
  });
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => void child.kill(),
  };
}

const agent = createAgentHost({
  spawn: wrapUtilityProcess,
  prepareStart: async () => ({
    type: 'start',
    dataDir: config.dataDir,
    faceRecognition: config.faceRecognition,
    key: await prepareDataKey({
      safeStorage,
      platform: process.platform,
      dataDir: config.dataDir,
      keyFile: config.keyFile,
      log,
    }),
  }),
  makeSpare: () => makeSpareKey(safeStorage),
  onMessage: (message: FromAgentMessage) => {
    switch (message.type) {
      case 'status':
        agentStatus = message.status;
        toRenderer(IPC_CHANNELS.status, currentStatus());
        break;
      case 'recognition':
        toRenderer(IPC_CHANNELS.recognition, message.result);
        break;
      case 'punch':
        toRenderer(IPC_CHANNELS.punch, message.punch);
        break;
      case 'log':
        log(message.level, `agent: ${message.message}`);
        break;
      default:
        break;
    }
  },
  onStateChange: (state) => {
    agentState = state;
    toRenderer(IPC_CHANNELS.status, currentStatus());
  },
  log,
});

function createWindow(): BrowserWindow {
  const created = new BrowserWindow(
    buildWindowOptions({ preloadPath: config.preloadPath, kiosk: config.kiosk, isPackaged: app.isPackaged }),
  );
  created.webContents.on('before-input-event', (event, input) => {
    if (isBlockedInput(input)) event.preventDefault();
  });
  created.webContents.on('render-process-gone', (_event, details) => {
    log('error', `renderer gone (${details.reason}); reloading`);
    if (!created.isDestroyed()) created.webContents.reload();
  });
  created.once('ready-to-show', () => created.show());
  void created.loadURL(APP_ENTRY_URL);
  return created;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window && !window.isDestroyed()) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  // ELEC-04 for every webContents that will ever exist.
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (shouldPreventNavigation(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (shouldPreventNavigation(url)) event.preventDefault();
    });
    contents.on('will-frame-navigate', (event) => {
      if (shouldPreventNavigation(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(windowOpenHandler);
  });

  void app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(
        isPermissionGranted(permission, details.requestingUrl, {
          mediaTypes: 'mediaTypes' in details ? (details.mediaTypes ?? []) : [],
          requestingUrl: details.requestingUrl,
        }),
      ),
    );
    ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
      isPermissionGranted(permission, requestingOrigin, {
        mediaTypes: details.mediaType ? [details.mediaType] : [],
        requestingUrl: details.requestingUrl,
      }),
    );
    ses.setDevicePermissionHandler(isDevicePermissionGranted);
    // No remote content: the renderer reaches nothing but app:// (the agent does the networking).
    ses.webRequest.onBeforeRequest(
      { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*'] },
      (details, callback) => {
        log('warn', `blocked a renderer request to ${details.url}`);
        callback({ cancel: true });
      },
    );
    protocol.handle(APP_SCHEME, (request) => handleAppRequest(request, config.rendererDir));

    registerKioskIpc(ipcMain, {
      kioskWebContentsId: () => (window && !window.isDestroyed() ? window.webContents.id : undefined),
      onFrame: (frame) => void agent.send({ type: 'frame', ...frame }),
      getStatus: currentStatus,
      punchWithPin: (request) => agent.punchWithPin(request),
      log,
    });
    window = createWindow();
    void agent.start();
  });

  // Quit waits for the agent: `shutdown` lets a punch being written commit and closes the store.
  let isAgentStopped = false;
  app.on('before-quit', (event) => {
    if (isAgentStopped) return;
    event.preventDefault();
    void agent.stop().then((outcome) => {
      log('info', `agent stopped (${outcome})`);
      isAgentStopped = true;
      app.quit();
    });
  });
  app.on('window-all-closed', () => app.quit());
  process.on('SIGTERM', () => app.quit());
  process.on('SIGINT', () => app.quit());
}
