/**
 * The shell's configuration: environment and command line, parsed once with zod. The only file of
 * the shell that reads process.env (STYLE.md, Configuration); no secret comes from here.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defaultDataDir } from '../../agent/config';

const ZShellEnv = z.object({
  /** Where the agent keeps its store and keys (default: the per-user app data folder, as headless). */
  KIOSK_DATA_DIR: z.string().min(1).optional(),
  /** `windowed`: a normal window (an installer's laptop, development). Default: full-screen kiosk. */
  KIOSK_WINDOW: z.enum(['kiosk', 'windowed']).default('kiosk'),
  /** `off`: a keypad-only kiosk, the face engine is not started. */
  KIOSK_FACE_RECOGNITION: z.enum(['on', 'off']).default('on'),
  /** The built renderer (index.html and its assets). */
  KIOSK_RENDERER_DIR: z.string().min(1).optional(),
  XDG_DATA_HOME: z.string().optional(),
  APPDATA: z.string().optional(),
  LOCALAPPDATA: z.string().optional(),
});

export interface ShellConfig {
  dataDir: string;
  /** The headless agent's key file: the fallback when OS secure storage is unavailable. */
  keyFile: string;
  kiosk: boolean;
  faceRecognition: boolean;
  rendererDir: string;
  preloadPath: string;
  /** The agent's utility-process entry, and the Node flags it needs (tsx in a source checkout). */
  agentEntry: string;
  agentExecArgv: string[];
}

/**
 * `buildDir` is the folder of the built main bundle (dist/electron); `appRoot` is apps/kiosk.
 * `--windowed` on the command line is the same as KIOSK_WINDOW=windowed.
 */
export function loadShellConfig(
  paths: { buildDir: string; appRoot: string },
  argv: readonly string[] = process.argv,
  env: Record<string, string | undefined> = process.env,
): Readonly<ShellConfig> {
  const parsed = ZShellEnv.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `Invalid kiosk shell environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  const values = parsed.data;
  const dataDir = resolve(values.KIOSK_DATA_DIR ?? defaultDataDir(values));
  return Object.freeze({
    dataDir,
    keyFile: join(dataDir, 'keys', 'data.key'),
    kiosk: values.KIOSK_WINDOW === 'kiosk' && !argv.includes('--windowed'),
    faceRecognition: values.KIOSK_FACE_RECOGNITION === 'on',
    rendererDir: resolve(values.KIOSK_RENDERER_DIR ?? join(paths.buildDir, 'renderer')),
    preloadPath: join(paths.buildDir, 'preload.cjs'),
    // The agent runs from source through tsx; a packaged build would bundle it (see README).
    agentEntry: join(paths.appRoot, 'src', 'electron', 'agent-process.ts'),
    agentExecArgv: ['--import', 'tsx'],
  });
}
