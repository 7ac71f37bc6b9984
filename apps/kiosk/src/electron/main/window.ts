/**
 * The kiosk window's options (ELEC-01, ELEC-09): an isolated, sandboxed renderer without Node, in
 * full-screen kiosk mode unless configured otherwise (an installer's laptop, development).
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export interface WindowSettings {
  preloadPath: string;
  /** BrowserWindow `kiosk`: full screen, no way out through the window manager. */
  kiosk: boolean;
  /** `app.isPackaged`: no DevTools in a packaged build. */
  isPackaged: boolean;
}

export function buildWindowOptions(settings: WindowSettings): BrowserWindowConstructorOptions {
  return {
    kiosk: settings.kiosk,
    fullscreen: settings.kiosk,
    width: 1280,
    height: 800,
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#000000',
    title: 'Clockface',
    webPreferences: {
      preload: settings.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !settings.isPackaged,
      // An idle kiosk must keep capturing frames when covered or unfocused.
      backgroundThrottling: false,
    },
  };
}
