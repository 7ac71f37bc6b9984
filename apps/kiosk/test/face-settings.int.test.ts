/**
 * The org's face settings end to end, with real parts only: a hub process (real database, its
 * pg-boss worker, the real face pipeline), `kiosk-agent provision` and `kiosk-agent run` replaying
 * the packages/face fixtures through the real FaceEngine.
 * - The org switches its model to faceres: the hub re-enrolls from the kept photos, and a running
 *   kiosk follows (new engine, only the new model's templates compared) without a restart.
 * - Attack check `block`: a replayed photo is asked to blink and never punches; back to `warn`,
 *   the same running kiosk punches, and the punch carries the faceres model id to the hub.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDeviceIdentity, listTemplates } from '@clockface/db-kiosk';
import { requireDataKey } from '../src/agent/db';
import { loadSettings } from '../src/agent/status';
import {
  PERSON_A,
  PERSON_B,
  enrollWithConsent,
  framesDir as makeFramesDir,
  startRunningAgent,
  withAgentStore,
} from './helpers/faces';
import {
  createEnrollmentToken,
  createOrg,
  createRealHub,
  getDevice,
  hubRequest,
  runAgentCli,
  waitFor,
  type HubOrg,
  type RealHub,
} from './helpers/real-hub';

const FACERES = 'human-faceres-3.3.6';

let hub: RealHub;
let org: HubOrg;
let deviceId: string;
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-face-settings-'));
const dataDir = join(scratch, 'kiosk');
const agents = new Set<ChildProcess>();
const framesDir = (name: string, files: readonly string[]) => makeFramesDir(scratch, name, files);
const withStore = <T>(work: Parameters<typeof withAgentStore<T>>[1]) => withAgentStore(dataDir, work);
const runningAgent = (frames: string) => startRunningAgent(dataDir, frames, agents);

const settingsPath = () => `/api/orgs/${org.orgId}/face-settings`;
const patchSettings = async (body: unknown) => {
  const response = await hubRequest(hub, 'PATCH', settingsPath(), { token: org.accessToken, body });
  expect(response.status).toBe(200);
  return response.body;
};

beforeAll(async () => {
  hub = await createRealHub();
  await hub.start();
  org = await createOrg(hub, 2);
  await patchSettings({ keepEnrollmentPhotos: true });
  const enrolled = await enrollWithConsent(hub, org, org.employees[0]!.id, PERSON_A);
  const { token } = await createEnrollmentToken(hub, org);
  const provisioned = await runAgentCli([
    'provision',
    '--data-dir',
    dataDir,
    '--hub',
    hub.url,
    '--token',
    token,
  ]);
  expect(provisioned.code).toBe(0);
  deviceId = withStore((store) => {
    const key = requireDataKey(store).key;
    const { templates } = listTemplates(store.db, {
      orgId: org.orgId,
      modelId: enrolled.modelId as string,
      dataKey: key,
    });
    expect(templates).toHaveLength(3);
    return findDeviceIdentity(store.db)!.deviceId;
  });
}, 240_000);

afterAll(async () => {
  for (const agent of agents) agent.kill('SIGKILL');
  await hub?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('face settings from the hub to a running kiosk', () => {
  it('a model change: the hub re-enrolls from kept photos and the running kiosk switches engines', async () => {
    const changed = await patchSettings({ faceModel: 'faceres', attackCheckMode: 'block' });
    expect(changed).toMatchObject({ modelId: FACERES, attackCheckMode: 'block' });
    await waitFor(
      async () => {
        const settings = await hubRequest(hub, 'GET', settingsPath(), { token: org.accessToken });
        const progress = (settings.body as { reenrollment: { current: number; pending: number } })
          .reenrollment;
        return progress.current === 1 && progress.pending === 0;
      },
      120_000,
      'the re-enrollment job',
    );
    // B is enrolled nowhere: the agent only syncs and follows the settings here.
    const agent = runningAgent(framesDir('frames-b', PERSON_B));
    try {
      await waitFor(
        () => agent.output().includes(`recognition:  ready (${FACERES})`),
        180_000,
        'the faceres engine',
      );
      // The next heartbeat tells the hub which model this kiosk runs now.
      await waitFor(
        async () => (await getDevice(hub, org, deviceId)).modelId === FACERES,
        120_000,
        'the heartbeat with the faceres model id',
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nagent output:\n${agent.output()}`, { cause: error });
    } finally {
      await agent.stop();
    }
    expect(agent.output()).toMatch(/recognition: {2}ready \(fr_feature-/);
    expect(agent.output()).not.toMatch(/punch recorded/);
    withStore((store) => {
      expect(loadSettings(store)).toMatchObject({ padMode: 'block', recognition: { modelId: FACERES } });
      const key = requireDataKey(store).key;
      // The old model's templates were tombstoned; the new ones arrived.
      expect(
        listTemplates(store.db, { orgId: org.orgId, modelId: FACERES, dataKey: key }).templates,
      ).toHaveLength(3);
    });
  }, 420_000);

  it('block: a replayed photo of A is asked to blink and records nothing', async () => {
    const result = await runAgentCli(
      [
        'run',
        '--data-dir',
        dataDir,
        '--frames',
        framesDir('frames-a-still', ['person-a-5.jpg']),
        '--fps',
        '4',
        '--max-frames',
        '6',
      ],
      { timeoutMs: 180_000 },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/attack check: Blink, please/);
    expect(result.stdout).toMatch(/Stopped after 6 frames \(0 punches recorded\)/);
  }, 240_000);

  it('back to warn: the running kiosk gets it by heartbeat and punches A with the faceres model', async () => {
    await patchSettings({ attackCheckMode: 'warn' });
    const agent = runningAgent(framesDir('frames-a', PERSON_A));
    try {
      await waitFor(
        async () => ((await getDevice(hub, org, deviceId)).lastSeq as number) >= 1,
        240_000,
        "A's punch on the hub",
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nagent output:\n${agent.output()}`, { cause: error });
    } finally {
      await agent.stop();
    }
    expect(agent.output()).toMatch(/punch recorded: Employee 1001: clocked in/);
    await hub.stop();
    try {
      const events = await hub.readEvents(deviceId);
      expect(events).toHaveLength(1);
      const [row] = await hub.sql('select model_id, method from attendance_events where id = $1', [
        events[0]!.id,
      ]);
      expect(row).toMatchObject({ model_id: FACERES, method: 'face' });
    } finally {
      await hub.start();
    }
  }, 420_000);
});
