import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handleAppRequest, resolveAppPath } from './protocol';
import { CONTENT_SECURITY_POLICY } from './security';

const scratch = mkdtempSync(join(tmpdir(), 'kiosk-protocol-'));
const root = join(scratch, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>kiosk</title>');
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(scratch, 'secret.json'), '{"secret":true}');
symlinkSync(join(scratch, 'secret.json'), join(root, 'link.json'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const get = (url: string) => handleAppRequest(new Request(url), root);

describe('ELEC-06 app:// serves the renderer folder only', () => {
  it('serves files with the CSP and their content type', async () => {
    const response = await get('app://kiosk/index.html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('<title>kiosk</title>');
    const script = await get('app://kiosk/assets/app.js?v=1');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await get('app://kiosk/')).status).toBe(200);
  });

  it.each([
    'app://kiosk/..%2f..%2fsecret.json',
    'app://kiosk/..%2fsecret.json',
    'app://kiosk/%2e%2e/secret.json',
    'app://kiosk/%2e%2e%2fsecret.json',
    'app://kiosk/..%5csecret.json',
    'app://kiosk/%252e%252e%252fsecret.json',
    'app://kiosk/assets/..%2f..%2fsecret.json',
    'app://kiosk/index.html%00.png',
    'app://kiosk/%E0%A4%A',
    'app://kiosk/link.json',
    'app://kiosk/assets',
    'app://kiosk/missing.js',
    'app://evil/index.html',
    'app://kiosk.evil/index.html',
  ])('%s → 404', async (url) => {
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await response.text()).not.toContain('secret');
  });

  it('resolves nothing outside the folder', () => {
    expect(resolveAppPath(root, 'app://kiosk/..%2f..%2fpackage.json')).toBeUndefined();
    expect(resolveAppPath(root, 'app://kiosk/a/b.js')).toBe(join(root, 'a', 'b.js'));
  });

  it('answers only GET and HEAD', async () => {
    expect(
      (await handleAppRequest(new Request('app://kiosk/index.html', { method: 'POST', body: 'x' }), root))
        .status,
    ).toBe(405);
    const head = await handleAppRequest(new Request('app://kiosk/index.html', { method: 'HEAD' }), root);
    expect(head.status).toBe(200);
  });
});
