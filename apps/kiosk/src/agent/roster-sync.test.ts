import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '@clockface/core';
import {
  countEmployees,
  countTemplates,
  findCursor,
  findPinHash,
  listSecurityEvents,
  listTemplates,
} from '@clockface/db-kiosk';
import { ADA, BOB, ORG_ID, seedKiosk } from '../../test/helpers/seed-kiosk';
import type { AgentStore } from './db';
import { requireDataKey } from './db';
import { ROSTER_CURSOR, applyRosterDelta } from './roster-sync';

let dataDir: string;
let store: AgentStore;
const clock = new ManualClock('2026-11-22T09:00:00Z');

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-roster-'));
  ({ store } = await seedKiosk(dataDir));
});

afterEach(() => {
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function embedding(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

const delta = (overrides: Record<string, unknown>) => ({
  cursor: 'c2',
  hasMore: false,
  serverTime: '2026-11-22T09:00:00.000Z',
  employees: [],
  pinHashes: [],
  templates: [],
  tombstones: [],
  ...overrides,
});

describe('applyRosterDelta', () => {
  it('stores templates encrypted, drops a bad one with a security event, and advances the cursor (DEV-07)', () => {
    const good = {
      id: '019a0000-0000-7000-8000-0000000000a1',
      employeeId: ADA.id,
      modelId: 'test-model@1',
      dimension: 3,
      version: 1,
      embedding: embedding([0.1, 0.2, 0.3]),
    };
    const result = applyRosterDelta(
      store,
      delta({ templates: [good, { ...good, id: '019a0000-0000-7000-8000-0000000000a2', dimension: 4 }] }),
      clock,
    );
    expect(result).toMatchObject({ templates: 1, rejected: [{ list: 'templates', index: 1 }] });
    expect(findCursor(store.db, { name: ROSTER_CURSOR })).toBe('c2');
    expect(listSecurityEvents(store.db, { kind: 'roster_item_rejected' })).toHaveLength(1);
    const { templates } = listTemplates(store.db, {
      orgId: ORG_ID,
      modelId: 'test-model@1',
      dataKey: requireDataKey(store).key,
    });
    expect(Array.from(templates[0]!.embedding)).toEqual(Array.from(new Float32Array([0.1, 0.2, 0.3])));
  });

  it('applies tombstones: withdrawn consent deletes the template, termination the employee and PIN (BIO-02)', () => {
    applyRosterDelta(
      store,
      delta({
        templates: [
          {
            id: '019a0000-0000-7000-8000-0000000000a1',
            employeeId: ADA.id,
            modelId: 'm@1',
            dimension: 1,
            version: 1,
            embedding: embedding([1]),
          },
          {
            id: '019a0000-0000-7000-8000-0000000000a2',
            employeeId: BOB.id,
            modelId: 'm@1',
            dimension: 1,
            version: 1,
            embedding: embedding([1]),
          },
        ],
      }),
      clock,
    );
    expect(countTemplates(store.db)).toBe(2);
    applyRosterDelta(
      store,
      delta({
        cursor: 'c3',
        tombstones: [
          { kind: 'template', id: '019a0000-0000-7000-8000-0000000000a1' },
          { kind: 'employee', id: BOB.id },
        ],
      }),
      clock,
    );
    expect(countTemplates(store.db)).toBe(0);
    expect(countEmployees(store.db)).toBe(1);
    expect(findPinHash(store.db, { employeeId: BOB.id })).toBeUndefined();
    expect(findPinHash(store.db, { employeeId: ADA.id })).toBeDefined();
  });

  it('rejects a delta whose envelope is wrong, changing nothing', () => {
    expect(() => applyRosterDelta(store, { cursor: '' }, clock)).toThrow();
    expect(findCursor(store.db, { name: ROSTER_CURSOR })).toBe('seed-1');
  });
});
