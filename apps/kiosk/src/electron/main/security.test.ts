import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  isAppUrl,
  isBlockedInput,
  isDevicePermissionGranted,
  isPermissionGranted,
  shouldPreventNavigation,
  windowOpenHandler,
} from './security';
import { buildWindowOptions } from './window';

describe('ELEC-01 the renderer is isolated', () => {
  it('builds the window with context isolation, the sandbox, no Node and web security', () => {
    const options = buildWindowOptions({ preloadPath: '/app/preload.cjs', kiosk: true, isPackaged: true });
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(options.webPreferences).not.toHaveProperty('experimentalFeatures');
    expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(options.kiosk).toBe(true);
  });

  it('kiosk mode is a setting; DevTools only in an unpackaged build', () => {
    const options = buildWindowOptions({ preloadPath: '/p.cjs', kiosk: false, isPackaged: false });
    expect(options.kiosk).toBe(false);
    expect(options.fullscreen).toBe(false);
    expect(options.webPreferences?.devTools).toBe(true);
    expect(options.webPreferences?.sandbox).toBe(true);
  });

  it('no source file of the kiosk turns isolation, the sandbox or web security off', () => {
    const root = join(import.meta.dirname, '..', '..');
    const offenders: string[] = [];
    const walk = (folder: string) => {
      for (const name of readdirSync(folder)) {
        const path = join(folder, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|tsx|js|cjs|mjs|html)$/.test(name) && !name.endsWith('.test.ts')) {
          const text = readFileSync(path, 'utf8');
          if (
            /nodeIntegration\s*:\s*true|contextIsolation\s*:\s*false|webSecurity\s*:\s*false|sandbox\s*:\s*false/.test(
              text,
            )
          )
            offenders.push(relative(root, path));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});

describe('ELEC-03 CSP', () => {
  it('allows only our own scripts and wasm; no eval, no inline script, no plugins, no framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("base-uri 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("'unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("'unsafe-inline'");
  });
});

describe('ELEC-04 navigation and new windows', () => {
  it.each([
    'https://kiosk.attacker.com/',
    'app://kiosk.evil/index.html',
    'app://evil/index.html',
    'app://kiosk@evil/index.html',
    'app://user:pw@kiosk/index.html',
    'app://kiosk:8080/index.html',
    'file:///etc/passwd',
    'http://kiosk/',
    'javascript:alert(1)',
    'not a url',
  ])('prevents navigation to %s', (url) => {
    expect(shouldPreventNavigation(url)).toBe(true);
  });

  it('allows our own pages', () => {
    expect(shouldPreventNavigation(APP_ENTRY_URL)).toBe(false);
    expect(shouldPreventNavigation('app://kiosk/screens/punch.html#x')).toBe(false);
    expect(isAppUrl('APP://KIOSK/index.html')).toBe(true);
  });

  it('denies every window.open', () => {
    expect(windowOpenHandler()).toEqual({ action: 'deny' });
  });
});

describe('ELEC-05 permissions: the camera only', () => {
  it('grants video to our origin only', () => {
    expect(isPermissionGranted('media', 'app://kiosk', { mediaTypes: ['video'] })).toBe(true);
    expect(
      isPermissionGranted('media', undefined, { mediaTypes: ['video'], requestingUrl: APP_ENTRY_URL }),
    ).toBe(true);
  });

  it.each([
    ['media', 'app://kiosk', ['audio']],
    ['media', 'app://kiosk', ['video', 'audio']],
    ['media', 'https://evil.example', ['video']],
    ['media', 'app://kiosk.evil', ['video']],
    ['geolocation', 'app://kiosk', []],
    ['notifications', 'app://kiosk', []],
    ['clipboard-read', 'app://kiosk', []],
    ['clipboard-sanitized-write', 'app://kiosk', []],
    ['hid', 'app://kiosk', []],
    ['serial', 'app://kiosk', []],
    ['usb', 'app://kiosk', []],
    ['openExternal', 'app://kiosk', []],
  ])('denies %s for %s (%j)', (permission, origin, mediaTypes) => {
    expect(isPermissionGranted(permission, origin, { mediaTypes })).toBe(false);
  });

  it('grants no device (HID, serial, USB)', () => {
    expect(isDevicePermissionGranted()).toBe(false);
  });
});

describe('ELEC-09 kiosk input filter', () => {
  it.each([
    { key: 'F12' },
    { key: 'I', control: true, shift: true },
    { key: 'i', meta: true, shift: true },
    { key: 'r', control: true },
    { key: 'w', control: true },
    { key: 'q', meta: true },
    { key: 'F4', alt: true },
    { key: 'F5' },
    { key: 'F11' },
  ])('drops %j', (input) => {
    expect(isBlockedInput({ type: 'keyDown', ...input })).toBe(true);
  });

  it.each([{ key: '4' }, { key: 'Enter' }, { key: 'Backspace' }, { key: 'a', shift: true }])(
    'keeps %j',
    (input) => {
      expect(isBlockedInput({ type: 'keyDown', ...input })).toBe(false);
    },
  );

  it('looks at key presses only', () => {
    expect(isBlockedInput({ type: 'keyUp', key: 'F12' })).toBe(false);
  });
});
