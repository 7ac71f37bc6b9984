/**
 * The agent's configuration: defaults → environment → command-line flags. The only file of the
 * agent that reads process.env (STYLE.md, Configuration). Thresholds are not here: they are data
 * pushed by the hub (kiosk settings).
 */
import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MAX_EVENTS_PER_BATCH } from '@clockface/contracts/sync';
import { AppError } from '@clockface/core';

const ZAgentEnv = z.object({
  /** Where the SQLite store and (by default) the data key live. */
  KIOSK_DATA_DIR: z.string().min(1).optional(),
  /** Put the data key elsewhere than `<dataDir>/keys/data.key` (e.g. a tmpfs the OS unseals into). */
  KIOSK_KEY_FILE: z.string().min(1).optional(),
  KIOSK_LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /** Caps the events per pushed batch below the hub's `batchSize` (a slow or metered link; tests). */
  KIOSK_SYNC_BATCH_SIZE: z.coerce.number().int().min(1).max(MAX_EVENTS_PER_BATCH).optional(),
  /** pnpm runs package scripts in the package folder and sets INIT_CWD to where the user typed the command. */
  INIT_CWD: z.string().min(1).optional(),
  /** Where to look for fswebcam (the webcam source on Linux). */
  PATH: z.string().default(''),
  // Only used to find the per-user app data folder.
  XDG_DATA_HOME: z.string().optional(),
  APPDATA: z.string().optional(),
  LOCALAPPDATA: z.string().optional(),
});

export interface AgentConfig {
  dataDir: string;
  dbFile: string;
  keyFile: string;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  appVersion: string;
  /** KIOSK_SYNC_BATCH_SIZE: a local cap on events per batch; absent = the hub's setting (max 500). */
  syncBatchSize: number | undefined;
  searchPath: string;
  /** Where the command was typed; relative paths on the command line resolve against it. */
  invocationDir: string;
}

export interface AgentConfigOverrides {
  dataDir?: string;
}

/** The per-user application data folder of the platform, as Electron's `app.getPath('userData')` would pick. */
export function defaultDataDir(env: {
  XDG_DATA_HOME?: string;
  APPDATA?: string;
  LOCALAPPDATA?: string;
}): string {
  switch (platform()) {
    case 'win32':
      return join(env.LOCALAPPDATA ?? env.APPDATA ?? join(homedir(), 'AppData', 'Local'), 'Clockface Kiosk');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Clockface Kiosk');
    default:
      return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'clockface-kiosk');
  }
}

/** Parses the environment once; reports every bad key in one message. The result is frozen. */
export function loadConfig(
  overrides: AgentConfigOverrides = {},
  env: Record<string, string | undefined> = process.env,
): Readonly<AgentConfig> {
  const parsed = ZAgentEnv.safeParse(env);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', {
      message: `Invalid kiosk agent environment: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  const values = parsed.data;
  const invocationDir = values.INIT_CWD ?? process.cwd();
  const dataDir = resolve(
    invocationDir,
    overrides.dataDir ?? values.KIOSK_DATA_DIR ?? defaultDataDir(values),
  );
  return Object.freeze({
    dataDir,
    dbFile: join(dataDir, 'kiosk.db'),
    keyFile: resolve(invocationDir, values.KIOSK_KEY_FILE ?? join(dataDir, 'keys', 'data.key')),
    logLevel: values.KIOSK_LOG_LEVEL,
    appVersion: AGENT_VERSION,
    syncBatchSize: values.KIOSK_SYNC_BATCH_SIZE,
    searchPath: values.PATH,
    invocationDir,
  });
}

/** Reported in heartbeats; kept in step with apps/kiosk/package.json. */
export const AGENT_VERSION = '0.1.0';
