/**
 * Faces end to end, with real parts only: the hub process (real database), enrollment through the
 * hub's API with the real face pipeline, `kiosk-agent provision` pulling the templates, and
 * `kiosk-agent run` replaying camera frames (packages/face fixtures: two different people) through
 * the real FaceEngine and FaceGallery. Person A's frames end as one face punch for A on the hub;
 * person B's frames (a look-alike of A nobody enrolled) end as "unknown", with no punch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPunchesByStatus, countTemplates, findDeviceIdentity } from '@clockface/db-kiosk';
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
  runAgentCli,
  waitFor,
  type HubOrg,
  type RealHub,
} from './helpers/real-hub';

let hub: RealHub;
let org: HubOrg;
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-faces-'));
const dataDir = join(scratch, 'kiosk');
const agents = new Set<ChildProcess>();
const framesDir = (name: string, files: readonly string[]) => makeFramesDir(scratch, name, files);
const withStore = <T>(work: Parameters<typeof withAgentStore<T>>[1]) => withAgentStore(dataDir, work);

beforeAll(async () => {
  hub = await createRealHub();
  await hub.start();
  org = await createOrg(hub, 2);
  const enrolled = await enrollWithConsent(hub, org, org.employees[0]!.id, PERSON_A);
  expect((enrolled.templates as unknown[]).length).toBe(3);
}, 240_000);

afterAll(async () => {
  for (const agent of agents) agent.kill('SIGKILL');
  await hub?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('face punches through the real hub and agent', () => {
  let deviceId: string;

  it('provisioning pulls the enrolled templates (re-encrypted on the kiosk) and the model settings', async () => {
    const { token } = await createEnrollmentToken(hub, org);
    const result = await runAgentCli([
      'provision',
      '--data-dir',
      dataDir,
      '--hub',
      hub.url,
      '--token',
      token,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/roster: {2}2 employees, 3 face templates/);
    withStore((store) => {
      deviceId = findDeviceIdentity(store.db)!.deviceId;
      expect(countTemplates(store.db)).toBe(3);
    });
  }, 120_000);

  it("replaying A's frames records one face punch for A, and it reaches the hub", async () => {
    const agent = startRunningAgent(dataDir, framesDir('frames-a', PERSON_A), agents);
    try {
      await waitFor(
        async () => ((await getDevice(hub, org, deviceId)).lastSeq as number) >= 1,
        180_000,
        "A's face punch on the hub",
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nagent output:\n${agent.output()}`, { cause: error });
    } finally {
      await agent.stop();
    }
    expect(agent.output()).toMatch(/recognition: {2}ready \(fr_feature-/);
    expect(agent.output()).toMatch(/punch recorded: Employee 1001: clocked in/);
    await hub.stop();
    try {
      const events = await hub.readEvents(deviceId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ employeeId: org.employees[0]!.id, method: 'face', type: 'clock_in' });
      const [row] = await hub.sql('select score, liveness, model_id from attendance_events where id = $1', [
        events[0]!.id,
      ]);
      expect(Number(row!.score)).toBeGreaterThanOrEqual(0.4);
      expect(row!.model_id).toMatch(/^fr_feature-/);
    } finally {
      await hub.start();
    }
  }, 300_000);

  it("replaying B's frames (not enrolled, a look-alike of A) records nothing: unknown", async () => {
    const before = withStore((store) => countPunchesByStatus(store.db));
    const result = await runAgentCli(
      [
        'run',
        '--data-dir',
        dataDir,
        '--frames',
        framesDir('frames-b', PERSON_B),
        '--fps',
        '4',
        '--max-frames',
        '9',
      ],
      { timeoutMs: 180_000 },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Stopped after 9 frames \(0 punches recorded\)/);
    expect(result.stdout).toMatch(/faces: 0 matched, 9 unknown, 0 without a usable face/);
    expect(withStore((store) => countPunchesByStatus(store.db))).toEqual(before);
  }, 240_000);
});
