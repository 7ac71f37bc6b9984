/**
 * @module Face fixtures for the kiosk's end-to-end tests: the packages/face photos of two different
 * people, replay folders made from them, enrollment through the real hub's API, and a running
 * `kiosk-agent run` whose output is kept for the failure message.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { openAgentStore } from '../../src/agent/db';
import { storeConfig } from './seed-kiosk';
import { hubRequest, kioskRoot, startAgentProcess, type HubOrg, type RealHub } from './real-hub';

export const FACE_FIXTURES = resolve(kioskRoot, '../../packages/face/fixtures');
/** Three photos of person A (enrolled in the tests) and three of B, a look-alike nobody enrolls. */
export const PERSON_A = ['person-a-1.jpg', 'person-a-5.jpg', 'person-a-9.jpg'];
export const PERSON_B = ['person-b-2.jpg', 'person-b-8.jpg', 'person-b-14.jpg'];

/** A replay folder under `scratch` holding `files` in the given order (the replay source sorts by name). */
export function framesDir(scratch: string, name: string, files: readonly string[]): string {
  const directory = join(scratch, name);
  mkdirSync(directory);
  files.forEach((file, index) =>
    copyFileSync(join(FACE_FIXTURES, file), join(directory, `${index}-${file}`)),
  );
  return directory;
}

/** Opens the agent's store in `dataDir` for `work` and closes it again, so the agent can run after. */
export function withAgentStore<T>(dataDir: string, work: (store: ReturnType<typeof openAgentStore>) => T): T {
  const store = openAgentStore(storeConfig(dataDir));
  try {
    return work(store);
  } finally {
    store.close();
  }
}

/** Records consent for the employee and enrolls them from `photos` through the hub's API. */
export async function enrollWithConsent(
  hub: Pick<RealHub, 'url'>,
  org: HubOrg,
  employeeId: string,
  photos: readonly string[],
): Promise<Record<string, unknown>> {
  const employeePath = `/api/orgs/${org.orgId}/employees/${employeeId}`;
  const consent = await hubRequest(hub, 'POST', `${employeePath}/face-consent`, {
    token: org.accessToken,
    body: {
      textVersion: 'test-v1',
      text: 'I agree to face recognition for time recording.',
      method: 'in_person',
    },
  });
  expect(consent.status).toBe(201);
  const enrolled = await hubRequest(hub, 'POST', `${employeePath}/face-templates`, {
    token: org.accessToken,
    body: {
      photos: photos.map((file) => ({ data: readFileSync(join(FACE_FIXTURES, file)).toString('base64') })),
    },
  });
  expect(enrolled.status).toBe(201);
  return enrolled.body;
}

export interface RunningAgent {
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/**
 * `kiosk-agent run` replaying `frames`, logging at info level. It is added to `agents` until stopped,
 * so the file's afterAll can kill whatever a failed test left running.
 */
export function startRunningAgent(dataDir: string, frames: string, agents: Set<ChildProcess>): RunningAgent {
  const agent = startAgentProcess(dataDir, frames, { KIOSK_LOG_LEVEL: 'info' });
  agents.add(agent);
  let output = '';
  agent.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  agent.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolveExit) => agent.once('exit', () => resolveExit()));
  return {
    output: () => output,
    async stop() {
      agent.kill('SIGTERM');
      await exited;
      agents.delete(agent);
    },
  };
}
