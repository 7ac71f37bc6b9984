/**
 * `kiosk-agent <command>`: the headless kiosk agent.
 *
 *   status [--json]                                  provisioning, data key, roster, outbox, last sync
 *   punch --code CODE --pin PIN|- [--type TYPE]      a PIN punch through the keypad's path
 *   run [--frames DIR --fps N | --camera DEVICE] [--max-frames N]
 *   provision --hub URL --token TOKEN [--name NAME] [--force]
 *
 * Every command takes --data-dir DIR (default: the per-user app data folder, or KIOSK_DATA_DIR).
 * Exit codes: 0 done, 1 failed (the message says why and what to do), 2 bad usage.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { ZPunchType } from '@clockface/contracts/sync';
import { AppError, systemClock } from '@clockface/core';
import { loadConfig, type AgentConfig } from './config';
import { openAgentStore, requireIdentity } from './db';
import { createReplayFrameSource, createWebcamFrameSource } from './frame-sources';
import { getAgentStatus, loadSettings, runAgent, type AgentStatus } from './index';
import { ProvisioningError, provisionKiosk } from './provisioning';
import { createPunchService } from './punch.service';
import { startFaceRecognizerInBackground, type BackgroundFaceRecognizer } from './recognizer';
import { createSyncClient, runSyncLoop } from './sync-loop';

const USAGE = `Usage: kiosk-agent <command> [options]

Commands:
  status [--json]                         Show provisioning, data key, roster, outbox and sync state
  punch --code CODE --pin PIN [--type T]  Record a PIN punch (T: clock_in, clock_out, break_start, break_end;
                                          default: the next action from the employee's last punch).
                                          --pin - reads the PIN from stdin (keeps it out of the process list)
  run [--frames DIR] [--fps N] [--camera DEVICE] [--max-frames N]
                                          Run the agent headless until Ctrl-C: read frames (replay a directory
                                          of images, or a webcam through fswebcam) and sync with the hub
  provision --hub URL --token TOKEN [--name NAME] [--force]
                                          Register this kiosk with a hub and pull its roster. --force wipes an
                                          existing identity and all local data (roster, templates, outbox) first

Options:
  --data-dir DIR   Where the kiosk keeps its data (default: per-user app data folder, or KIOSK_DATA_DIR)
  -h, --help       Show this help
`;

class UsageError extends Error {}

const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  code: { type: 'string' },
  pin: { type: 'string' },
  type: { type: 'string' },
  frames: { type: 'string' },
  fps: { type: 'string' },
  camera: { type: 'string' },
  'max-frames': { type: 'string' },
  hub: { type: 'string' },
  token: { type: 'string' },
  name: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new UsageError(`Expected --${name} to be a positive number, got "${value}"`);
  return parsed;
}

async function readPinFromStdin(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line.trim();
  }
  throw new UsageError('Expected a PIN on stdin (--pin -), got nothing');
}

function printStatus(status: AgentStatus): void {
  const lines = [`Clockface kiosk agent ${status.appVersion}`, `  data dir:     ${status.dataDir}`];
  const p = status.provisioning;
  if (p.status === 'not_provisioned') {
    lines.push('  provisioned:  no — run `kiosk-agent provision --hub URL --token TOKEN`');
  } else if (p.status === 'revoked') {
    lines.push(
      `  provisioned:  no — not provisioned: the hub revoked device ${p.deviceId} at ${p.revokedAt}; roster, templates and PIN hashes were wiped. Run \`kiosk-agent provision --hub URL --token TOKEN --force\``,
    );
  } else {
    lines.push(
      `  provisioned:  yes — "${p.name}" since ${p.provisionedAt}`,
      `  hub:          ${p.hubUrl}`,
      `  device:       ${p.deviceId} (key ${p.kid})`,
      `  org / site:   ${p.orgId} / ${p.siteId ?? 'none'}`,
    );
  }
  lines.push(
    status.dataKey.status === 'ready'
      ? `  data key:     ready (${status.dataKey.location})`
      : status.dataKey.lookup.status === 'unavailable'
        ? `  data key:     UNAVAILABLE (${status.dataKey.lookup.detail}); nothing was wiped`
        : `  data key:     ${status.dataKey.reason.toUpperCase()} (${status.dataKey.location}) — re-provision required; PIN punches still work${status.dataKey.wiped ? ` (${status.dataKey.wiped.templates} unreadable face templates wiped)` : ''}`,
  );
  if (status.dataKey.warning) lines.push(`  warning:      ${status.dataKey.warning}`);
  lines.push(
    `  roster:       ${status.roster.employees} employees, ${status.roster.templates} face templates`,
  );
  const o = status.outbox;
  lines.push(
    `  outbox:       ${o.pending} pending${o.oldestPendingAt ? ` (oldest ${o.oldestPendingAt})` : ''}, ${o.synced} synced, ${o.rejected} rejected, ${o.conflict} conflicts`,
  );
  for (const kept of status.keptPunches) {
    lines.push(`    #${kept.seq} ${kept.status}: ${kept.code ?? ''} ${kept.message ?? ''}`.trimEnd());
  }
  const s = status.sync;
  lines.push(
    `  last sync:    ${s.lastSuccessAt ?? 'never'}${s.lastError ? `; last error ${s.lastError.code}: ${s.lastError.message}` : ''}`,
  );
  const v = status.settings.values;
  lines.push(
    `  settings:     ${status.settings.source === 'hub' ? `from hub at ${status.settings.receivedAt}` : 'defaults'} — ${v.recognition.consecutiveFrames} frames, threshold ${v.recognition.matchThreshold}, duplicate window ${v.duplicateWindowSeconds} s, PAD ${v.padMode}`,
  );
  console.log(lines.join('\n'));
}

async function commandStatus(config: AgentConfig, values: Values): Promise<void> {
  const store = openAgentStore(config);
  try {
    const status = getAgentStatus(store, config);
    if (values.json) console.log(JSON.stringify(status, null, 2));
    else printStatus(status);
  } finally {
    store.close();
  }
}

async function commandPunch(config: AgentConfig, values: Values): Promise<void> {
  if (!values.code) throw new UsageError('punch needs --code EMPLOYEE_CODE');
  if (values.pin === undefined)
    throw new UsageError('punch needs --pin PIN (or --pin - to read it from stdin)');
  let type;
  if (values.type !== undefined) {
    const parsed = ZPunchType.safeParse(values.type);
    if (!parsed.success)
      throw new UsageError(`Expected --type ${ZPunchType.options.join('|')}, got "${values.type}"`);
    type = parsed.data;
  }
  const pin = values.pin === '-' ? await readPinFromStdin() : values.pin;
  const store = openAgentStore(config);
  try {
    const punches = createPunchService({
      store,
      clock: systemClock,
      monotonicMs: () => performance.now(),
      runId: randomUUID(),
      settings: () => loadSettings(store),
    });
    const outcome = await punches.punchWithPin({ code: values.code, pin, ...(type ? { type } : {}) });
    if (outcome.status === 'recorded') {
      console.log(`Recorded: ${outcome.message} (punch ${outcome.punch.id}, seq ${outcome.punch.seq})`);
    } else {
      console.log(`Not recorded: ${outcome.message}`);
    }
  } finally {
    store.close();
  }
}

async function commandRun(config: AgentConfig, values: Values): Promise<void> {
  const fps = positiveNumber('fps', values.fps, 5);
  const maxFrames =
    values['max-frames'] === undefined ? undefined : positiveNumber('max-frames', values['max-frames'], 1);
  if (values.frames && values.camera)
    throw new UsageError('Use either --frames DIR or --camera DEVICE, not both');
  const store = openAgentStore(config);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let recognizer: BackgroundFaceRecognizer | undefined;
  try {
    const identity = requireIdentity(store);
    const frameSource = values.frames
      ? createReplayFrameSource({ directory: resolve(config.invocationDir, values.frames), fps })
      : createWebcamFrameSource({
          fps,
          searchPath: config.searchPath,
          ...(values.camera ? { device: values.camera } : {}),
        });
    console.log(`Kiosk agent running for "${identity.name}" (device ${identity.deviceId})`);
    console.log(`  frames:       ${frameSource.description}`);
    // Sync starts at once; the models load meanwhile. Without a working face engine (model files
    // missing, worker failed) the kiosk still syncs and takes PINs.
    recognizer = startFaceRecognizerInBackground({
      store,
      settings: () => loadSettings(store),
      onStarted: (started) => console.log(`  recognition:  ready (${started.modelId})`),
      onFailed: (error) =>
        console.log(
          `  recognition:  unavailable (${AppError.parse(error).message}); frames are read but not matched, PIN punches work`,
        ),
    });
    console.log(`  recognition:  starting ${recognizer.modelId}`);
    console.log(
      `  sync:         ${identity.hubUrl} (punches queue in the outbox while the hub is unreachable)`,
    );
    const syncClient = createSyncClient({
      store,
      clock: systemClock,
      appVersion: config.appVersion,
      signal: controller.signal,
      // On revocation the sync client wipes the store and this recognizer's in-memory gallery.
      recognizer,
      // Read at each heartbeat: the recognizer follows the org's model when the settings change it.
      get modelId() {
        return recognizer?.modelId ?? null;
      },
      ...(config.syncBatchSize ? { batchSizeCap: config.syncBatchSize } : {}),
    });
    let lastSyncMessage = '';
    const syncLoop = runSyncLoop(syncClient, {
      signal: controller.signal,
      onResult: (result) => {
        const message = 'message' in result ? `${result.kind}: ${result.message}` : result.kind;
        // Print changes only: a hub that is down for a day must not flood the log.
        if (message !== lastSyncMessage && result.kind !== 'idle') console.log(`  sync ${message}`);
        lastSyncMessage = message;
      },
    });
    const summary = await runAgent({
      store,
      frameSource,
      signal: controller.signal,
      recognizer,
      ...(maxFrames === undefined ? {} : { maxFrames }),
      onEvent: (event) => {
        if (event.type === 'punch') console.log(`  punch ${event.outcome.status}: ${event.outcome.message}`);
        else if (event.type === 'error') console.log(`  frame error: ${event.message}`);
        else if (event.type === 'prompt' && event.prompt)
          console.log(`  attack check: ${event.prompt.message}`);
      },
    });
    // Must abort before awaiting: the sync loop only ends on abort or a stop (revoked, key lost).
    controller.abort();
    await syncLoop;
    console.log(`Stopped after ${summary.frames} frames (${summary.recorded} punches recorded).`);
    const { matched, unknown, noFace } = recognizer.tally;
    console.log(`  faces: ${matched} matched, ${unknown} unknown, ${noFace} without a usable face`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // The engine's worker thread would keep the process alive after an error.
    await recognizer?.close();
    store.close();
  }
}

async function commandProvision(config: AgentConfig, values: Values): Promise<void> {
  if (!values.hub) throw new UsageError("provision needs --hub URL (the hub's address)");
  if (!values.token)
    throw new UsageError('provision needs --token TOKEN (the enrollment token from the console)');
  const result = await provisionKiosk({
    config,
    hubUrl: values.hub,
    token: values.token,
    ...(values.name === undefined ? {} : { name: values.name }),
    force: values.force === true,
    clock: systemClock,
  });
  const lines: string[] = [];
  if (result.replaced) {
    lines.push(
      `Wiped the previous identity (device ${result.replaced.deviceId}, org ${result.replaced.orgId}, hub ${result.replaced.hubUrl})${result.replaced.discardedPendingPunches > 0 ? ` and ${result.replaced.discardedPendingPunches} punches that were never synced` : ''}.`,
    );
    if (result.replaced.orgId !== result.orgId)
      lines.push(`Note: this kiosk now belongs to another organisation (${result.orgId}).`);
  }
  lines.push(
    `Provisioned "${result.name}" with ${result.hubUrl}`,
    `  device:  ${result.deviceId} (key ${result.kid})`,
    `  org:     ${result.orgId}`,
    `  site:    ${result.siteId ?? 'none'}`,
    result.roster.error
      ? `  roster:  not pulled yet (${result.roster.error}); \`kiosk-agent run\` pulls it on its first sync`
      : `  roster:  ${result.roster.employees} employees, ${result.roster.templates} face templates`,
  );
  console.log(lines.join('\n'));
}

/**
 * Enrollment tokens are base64url, so one in 64 starts with "-", which parseArgs would take for an
 * option ("--token -Xy…" is ambiguous). The token is always the next argument: join the two.
 */
function joinTokenArgument(argv: string[]): string[] {
  const index = argv.indexOf('--token');
  if (index === -1 || index + 1 >= argv.length) return argv;
  return [...argv.slice(0, index), `--token=${argv[index + 1]}`, ...argv.slice(index + 2)];
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinTokenArgument(argv),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  try {
    if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}`);
    const config = loadConfig(values['data-dir'] ? { dataDir: values['data-dir'] } : {});
    switch (command) {
      case 'status':
        await commandStatus(config, values);
        return 0;
      case 'punch':
        await commandPunch(config, values);
        return 0;
      case 'run':
        await commandRun(config, values);
        return 0;
      case 'provision':
        await commandProvision(config, values);
        return 0;
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ProvisioningError) {
      console.error(`error: ${error.code}: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError) {
      console.error(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    const appError = AppError.parse(error);
    const retry = appError.retryAfterSeconds
      ? ` (try again in ${Math.ceil(appError.retryAfterSeconds / 60)} min)`
      : '';
    console.error(`error: ${appError.code}: ${appError.message}${retry}`);
    if (appError.code === 'INTERNAL' && error instanceof Error && error.stack) console.error(error.stack);
    return 1;
  }
}

// Run only as a program (tsx src/agent/cli.ts), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
