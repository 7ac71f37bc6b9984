/**
 * Builds what Electron loads: main (CommonJS), the preload (one CommonJS file: a sandboxed preload
 * can require only `electron` and a few built-ins) and the renderer placeholder, into dist/electron.
 * The agent is not bundled: main forks src/electron/agent-process.ts through tsx (see README).
 *
 *   pnpm --filter @clockface/kiosk build:electron
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildElectron(outDir = join(here, '..', '..', 'dist', 'electron')): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    sourcemap: 'linked',
    logLevel: 'warning',
  };
  await build({
    ...common,
    entryPoints: [join(here, 'main', 'index.ts')],
    outfile: join(outDir, 'main.cjs'),
  });
  await build({
    ...common,
    entryPoints: [join(here, 'preload', 'index.ts')],
    outfile: join(outDir, 'preload.cjs'),
  });
  cpSync(join(here, 'renderer'), join(outDir, 'renderer'), { recursive: true });
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = await buildElectron();
  console.log(`built ${outDir}`);
}
