/**
 * The shell's security decisions as plain functions (ELEC-03, -04, -05, -09), so they are tested in
 * Node; main/index.ts only wires them to Electron's events. Origins are compared with
 * `new URL().origin`, never with `startsWith` (`app://kiosk.evil` is not `app://kiosk`).
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** ELEC-03: no inline script, no eval; the face wasm needs 'wasm-unsafe-eval'. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "object-src 'none'",
  "base-uri 'none'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** True only for URLs of our own bundled renderer. */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    // Non-special schemes give origin "null" in WHATWG URL until registered as standard; compare
    // protocol and host as well so `app://kiosk.evil` and `app://kiosk@evil` are refused either way.
    return (
      parsed.protocol === `${APP_SCHEME}:` &&
      parsed.hostname.toLowerCase() === APP_HOST &&
      parsed.port === '' &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}

/** `will-navigate` / `will-redirect` / `will-frame-navigate`: true means prevent. */
export function shouldPreventNavigation(url: string): boolean {
  return !isAppUrl(url);
}

/** `setWindowOpenHandler`: no new windows, ever (ELEC-04). */
export function windowOpenHandler(): { action: 'deny' } {
  return { action: 'deny' };
}

export interface PermissionRequestDetails {
  mediaTypes?: string[];
  requestingUrl?: string;
  securityOrigin?: string;
}

/**
 * ELEC-05: `media` with video only, for our own origin; everything else (audio, geolocation,
 * notifications, clipboard, HID, serial, USB, …) is denied.
 */
export function isPermissionGranted(
  permission: string,
  requestingOrigin: string | undefined,
  details: PermissionRequestDetails = {},
): boolean {
  if (permission !== 'media') return false;
  const origin = requestingOrigin ?? details.requestingUrl ?? details.securityOrigin;
  if (!isAppUrl(origin)) return false;
  const mediaTypes = details.mediaTypes ?? [];
  return mediaTypes.every((type) => type === 'video');
}

/** `setDevicePermissionHandler` (HID, serial, USB): never. */
export function isDevicePermissionGranted(): boolean {
  return false;
}

export interface KeyInput {
  type: string;
  key: string;
  control?: boolean;
  meta?: boolean;
  shift?: boolean;
  alt?: boolean;
}

/**
 * ELEC-09: keys that would leave the kiosk or open tools: F5/F11/F12, Ctrl/Cmd+R, +W, +Q, +N, +T,
 * Ctrl/Cmd+Shift+I/J/C, Alt+F4. True means drop the input (`event.preventDefault()`).
 */
export function isBlockedInput(input: KeyInput): boolean {
  if (input.type !== 'keyDown' && input.type !== 'rawKeyDown') return false;
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  if (key === 'F5' || key === 'F11' || key === 'F12') return true;
  if (input.alt && key === 'F4') return true;
  const command = input.control === true || input.meta === true;
  if (command && ['r', 'w', 'q', 'n', 't', 'p', 's', 'o', '+', '-', '=', '0'].includes(key)) return true;
  if (command && input.shift && ['i', 'j', 'c'].includes(key)) return true;
  return false;
}
