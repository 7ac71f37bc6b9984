/**
 * @module The face part of the kiosk roster delta: templates of the employees in the device's
 * scope (decrypted here; TLS in transit; the kiosk re-encrypts with its own data key) and
 * `template` tombstones, paged over `face_templates.roster_xid` beside the employees' keyset.
 * Also the recognition settings a kiosk gets for the org's face model.
 */
import { MAX_ROSTER_ITEMS, type TKioskSettings, type TRosterDelta } from '@clockface/contracts/sync';
import type { Database } from '@clockface/db-hub';
import { listRosterTemplateChanges, type DeviceRow, type OrganizationRow } from '@clockface/db-hub/queries';
import { DEFAULT_PIPELINE, modelIdFor } from '@clockface/face';
import type { BiometricCipher } from '../security/template-crypto';
import { MATCH_OPTIONS_BY_EMBEDDER } from './faces.service';

/**
 * Re-enrollment makes new templates with new ids, so a template id never carries a second
 * embedding; the wire format's `version` (part of the kiosk's AAD) is therefore always 1.
 */
const TEMPLATE_VERSION = 1;

/**
 * Reads the next page of template changes and adds it to `delta`. Each template row can add one
 * item to `employees` (its owner, so the kiosk's foreign key holds even when the owner's own row
 * comes in a later employee page) and one to `templates` or `tombstones`, so the page is sized to
 * what is left of MAX_ROSTER_ITEMS in those lists.
 */
export async function addRosterTemplates(
  cipher: BiometricCipher,
  tx: Database,
  device: DeviceRow,
  delta: TRosterDelta,
  params: { sinceXid: number; after: [number, string] | null; isLiveOnly: boolean },
): Promise<{ hasMore: boolean; last: [number, string] | null }> {
  const budget = MAX_ROSTER_ITEMS - Math.max(delta.employees.length, delta.tombstones.length);
  if (budget <= 0) return { hasMore: true, last: null };
  const rows = await listRosterTemplateChanges(tx, {
    orgId: device.orgId,
    siteId: device.siteId,
    sinceXid: params.sinceXid,
    after: params.after ? { xid: params.after[0], id: params.after[1] } : null,
    isLiveOnly: params.isLiveOnly,
    limit: budget + 1,
  });
  const page = rows.slice(0, budget);
  const listed = new Set(delta.employees.map((employee) => employee.id));
  for (const row of page) {
    const isInScope =
      row.deletedAt === null &&
      row.encryptedEmbedding !== null &&
      row.employeeStatus === 'active' &&
      row.employeeDeletedAt === null &&
      (device.siteId === null || row.employeeHomeSiteId === null || row.employeeHomeSiteId === device.siteId);
    if (!isInScope) {
      if (!params.isLiveOnly) delta.tombstones.push({ kind: 'template', id: row.id });
      continue;
    }
    const plaintext = cipher.decrypt(row.encryptedEmbedding!, {
      kind: 'template',
      orgId: device.orgId,
      employeeId: row.employeeId,
      recordId: row.id,
    });
    delta.templates.push({
      id: row.id,
      employeeId: row.employeeId,
      modelId: row.modelId,
      dimension: row.dimensions,
      version: TEMPLATE_VERSION,
      embedding: plaintext.toString('base64'),
    });
    plaintext.fill(0);
    if (!listed.has(row.employeeId)) {
      listed.add(row.employeeId);
      delta.employees.push({
        id: row.employeeId,
        code: row.employeeCode,
        displayName: row.employeeName,
        isActive: true,
      });
    }
  }
  const last = page.at(-1);
  return { hasMore: rows.length > budget, last: last ? [last.rosterXid ?? 0, last.id] : null };
}

/**
 * The org's face model and attack check in the kiosk settings: the model id the kiosk must run
 * (its templates are only comparable within one id) and that model's match threshold and margin.
 */
export function withOrgFaceSettings(
  settings: TKioskSettings,
  organization: Pick<OrganizationRow, 'faceModel' | 'attackCheckMode'> | undefined,
): TKioskSettings {
  if (!organization) return settings;
  const embedder = organization.faceModel;
  const match = MATCH_OPTIONS_BY_EMBEDDER[embedder];
  return {
    ...settings,
    recognition: {
      ...settings.recognition,
      modelId: modelIdFor(embedder, embedder === 'fr_feature' ? DEFAULT_PIPELINE.mirror : false),
      matchThreshold: match.threshold,
      margin: match.margin,
    },
    padMode: organization.attackCheckMode,
  };
}
