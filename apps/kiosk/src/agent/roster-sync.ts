/**
 * Applies a roster delta from the hub to the local store in one transaction: employees, PIN hashes,
 * encrypted templates, tombstones, settings and the cursor. Pulling it over HTTP comes with the hub's
 * sync API; applying it is local and is what tests use to seed a kiosk like the hub would.
 */
import { parseRosterDelta, type RosterItemRejection } from '@clockface/contracts/sync';
import {
  deleteEmployees,
  deletePinHashes,
  deleteTemplates,
  insertSecurityEvent,
  saveCursor,
  saveKioskSettings,
  upsertEmployees,
  upsertPinHashes,
  upsertTemplates,
} from '@clockface/db-kiosk';
import type { Clock } from '@clockface/core';
import { requireDataKey, requireIdentity, type AgentStore } from './db';

export const ROSTER_CURSOR = 'roster';

export interface RosterApplyResult {
  cursor: string;
  hasMore: boolean;
  employees: number;
  pinHashes: number;
  templates: number;
  deleted: number;
  rejected: RosterItemRejection[];
}

/**
 * Validates item by item (a bad template is dropped and logged as a security event, the rest of the
 * delta applies, DEV-07), then writes everything and advances the cursor atomically, so a crash
 * half-way re-pulls the same delta instead of skipping it.
 */
export function applyRosterDelta(store: AgentStore, input: unknown, clock: Clock): RosterApplyResult {
  const identity = requireIdentity(store);
  const { delta, rejected } = parseRosterDelta(input);
  const dataKey = delta.templates.length > 0 ? requireDataKey(store) : undefined;
  const at = clock.now();
  return store.db.transaction(
    (tx) => {
      upsertEmployees(tx, { orgId: identity.orgId, employees: delta.employees, at });
      upsertPinHashes(tx, { orgId: identity.orgId, pinHashes: delta.pinHashes, at });
      if (dataKey) {
        upsertTemplates(tx, {
          orgId: identity.orgId,
          at,
          dataKey: dataKey.key,
          keyVersion: dataKey.keyVersion,
          templates: delta.templates.map((template) => {
            const bytes = Buffer.from(template.embedding, 'base64');
            const embedding = new Float32Array(template.dimension);
            new Uint8Array(embedding.buffer).set(bytes);
            bytes.fill(0);
            return { ...template, embedding };
          }),
        });
      }
      const byKind = (kind: 'employee' | 'pin' | 'template') =>
        delta.tombstones.filter((tombstone) => tombstone.kind === kind).map((tombstone) => tombstone.id);
      const deleted =
        deleteTemplates(tx, { ids: byKind('template') }) +
        deletePinHashes(tx, { employeeIds: byKind('pin') }) +
        deleteEmployees(tx, { ids: byKind('employee') });
      if (delta.settings) saveKioskSettings(tx, { settings: delta.settings, at });
      for (const item of rejected) {
        insertSecurityEvent(tx, {
          kind: 'roster_item_rejected',
          at,
          details: { list: item.list, index: item.index, message: item.message.slice(0, 500) },
        });
      }
      saveCursor(tx, { name: ROSTER_CURSOR, value: delta.cursor, at });
      return {
        cursor: delta.cursor,
        hasMore: delta.hasMore,
        employees: delta.employees.length,
        pinHashes: delta.pinHashes.length,
        templates: delta.templates.length,
        deleted,
        rejected,
      };
    },
    { behavior: 'immediate' },
  );
}
