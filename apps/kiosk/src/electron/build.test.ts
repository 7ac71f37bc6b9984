import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildElectron } from './build';

const scratch = mkdtempSync(join(tmpdir(), 'kiosk-electron-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const requires = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!);

describe('the Electron build (esbuild; Electron itself cannot run here)', () => {
  it('bundles a preload that needs nothing but electron (a sandboxed preload can require nothing else)', async () => {
    const outDir = await buildElectron(join(scratch, 'out'));
    expect(new Set(requires(join(outDir, 'preload.cjs')))).toEqual(new Set(['electron']));

    // Main: electron and Node built-ins only, and none of the agent's store or face code (STYLE.md layering).
    const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
    const mainRequires = requires(join(outDir, 'main.cjs'));
    expect(mainRequires.filter((name) => name !== 'electron' && !builtins.has(name))).toEqual([]);
    const main = readFileSync(join(outDir, 'main.cjs'), 'utf8');
    for (const forbidden of ['better-sqlite3', 'packages/db-kiosk', 'packages/face', 'onnxruntime']) {
      expect(main).not.toContain(forbidden);
    }

    // The renderer placeholder obeys the CSP: no inline script or handler.
    const html = readFileSync(join(outDir, 'renderer', 'index.html'), 'utf8');
    expect(html).toMatch(/<script src="kiosk.js" defer><\/script>/);
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=/i);
  }, 60_000);
});
