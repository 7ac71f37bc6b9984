/**
 * Faces end to end, with real parts only: the hub process (real database), enrollment through the
 * hub's API with the real face pipeline, `kiosk-agent provision` pulling the templates, and
 * `kiosk-agent run` replaying camera frames (packages/face fixtures: two different people) through
 * the real FaceEngine and FaceGallery. Person A's frames end as one face punch for A on the hub;
 * person B's frames (a look-alike of A nobody enrolled) end as "unknown", with no punch.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPunchesByStatus, countTemplates, findDeviceIdentity } from '@clockface/db-kiosk';
import { openAgentStore } from '../src/agent/db';
import {
  createEnrollmentToken,
  createOrg,
  createRealHub,
  getDevice,
  hubRequest,
  kioskRoot,
  runAgentCli,
  startAgentProcess,
  waitFor,
  type HubOrg,
  type RealHub,
} from './helpers/real-hub';

const FIXTURES = resolve(kioskRoot, '../../packages/face/fixtures');
const PERSON_A = ['person-a-1.jpg', 'person-a-5.jpg', 'person-a-9.jpg'];
const PERSON_B = ['person-b-2.jpg', 'person-b-8.jpg', 'person-b-14.jpg'];

let hub: RealHub;
let org: HubOrg;
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-faces-'));
const dataDir = join(scratch, 'kiosk');
const agents = new Set<ChildProcess>();

function framesDir(name: string, files: string[]): string {
  const directory = join(scratch, name);
  mkdirSync(directory);
  files.forEach((file, index) => copyFileSync(join(FIXTURES, file), join(directory, `${index}-${file}`)));
  return directory;
}

function withStore<T>(work: (store: ReturnType<typeof openAgentStore>) => T): T {
  const store = openAgentStore({
    dbFile: join(dataDir, 'kiosk.db'),
    keyFile: join(dataDir, 'keys', 'data.key'),
  });
  try {
    return work(store);
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  hub = await createRealHub();
  await hub.start();
  org = await createOrg(hub, 2);
  const personA = org.employees[0]!;
  const consent = await hubRequest(
    hub,
    'POST',
    `/api/orgs/${org.orgId}/employees/${personA.id}/face-consent`,
    {
      token: org.accessToken,
      body: {
        textVersion: 'test-v1',
        text: 'I agree to face recognition for time recording.',
        method: 'in_person',
      },
    },
  );
  expect(consent.status).toBe(201);
  const enrolled = await hubRequest(
    hub,
    'POST',
    `/api/orgs/${org.orgId}/employees/${personA.id}/face-templates`,
    {
      token: org.accessToken,
      body: {
        photos: PERSON_A.map((file) => ({ data: readFileSync(join(FIXTURES, file)).toString('base64') })),
      },
    },
  );
  expect(enrolled.status).toBe(201);
  expect((enrolled.body.templates as unknown[]).length).toBe(3);
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
    const agent = startAgentProcess(dataDir, framesDir('frames-a', PERSON_A), { KIOSK_LOG_LEVEL: 'info' });
    agents.add(agent);
    let output = '';
    agent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    agent.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolveExit) => agent.once('exit', () => resolveExit()));
    try {
      await waitFor(
        async () => ((await getDevice(hub, org, deviceId)).lastSeq as number) >= 1,
        180_000,
        "A's face punch on the hub",
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\nagent output:\n${output}`, { cause: error });
    } finally {
      agent.kill('SIGTERM');
      await exited;
      agents.delete(agent);
    }
    expect(output).toMatch(/recognition: {2}ready \(fr_feature-/);
    expect(output).toMatch(/punch recorded: Employee 1001: clocked in/);
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
