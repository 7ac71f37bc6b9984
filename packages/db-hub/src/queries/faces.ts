import { and, asc, desc, eq, gt, gte, inArray, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { faceConsents, facePhotos, faceTemplates } from '../schema/biometrics';
import { employees } from '../schema/employees';
import { organizations } from '../schema/organizations';
import { rowsOf } from './rows';

export type FaceConsentRow = typeof faceConsents.$inferSelect;
export type NewFaceConsent = Omit<typeof faceConsents.$inferInsert, 'id' | 'createdAt'>;
export type FaceTemplateRow = typeof faceTemplates.$inferSelect;
export type NewFaceTemplate = Omit<
  typeof faceTemplates.$inferInsert,
  'createdAt' | 'deletedAt' | 'rosterXid'
> & { id: string };

export async function insertFaceConsent(db: Database, params: NewFaceConsent): Promise<FaceConsentRow> {
  const [row] = await db.insert(faceConsents).values(params).returning();
  return row!;
}

/** Every consent record of an employee, newest first (withdrawn ones included: they are the history). */
export async function listFaceConsents(db: Database, params: { orgId: string; employeeId: string }) {
  return db
    .select()
    .from(faceConsents)
    .where(and(eq(faceConsents.orgId, params.orgId), eq(faceConsents.employeeId, params.employeeId)))
    .orderBy(desc(faceConsents.grantedAt), desc(faceConsents.id));
}

/** The consent in force: the newest one not withdrawn. */
export async function findActiveFaceConsent(db: Database, params: { orgId: string; employeeId: string }) {
  const [row] = await db
    .select()
    .from(faceConsents)
    .where(
      and(
        eq(faceConsents.orgId, params.orgId),
        eq(faceConsents.employeeId, params.employeeId),
        isNull(faceConsents.withdrawnAt),
      ),
    )
    .orderBy(desc(faceConsents.grantedAt), desc(faceConsents.id))
    .limit(1);
  return row;
}

/** Marks every consent of the employee not yet withdrawn as withdrawn; returns them. */
export async function withdrawFaceConsents(
  db: Database,
  params: { orgId: string; employeeId: string; at: Date; byUserId: string | null },
) {
  return db
    .update(faceConsents)
    .set({ withdrawnAt: params.at, withdrawnByUserId: params.byUserId })
    .where(
      and(
        eq(faceConsents.orgId, params.orgId),
        eq(faceConsents.employeeId, params.employeeId),
        isNull(faceConsents.withdrawnAt),
      ),
    )
    .returning();
}

export async function insertFaceTemplates(db: Database, rows: NewFaceTemplate[]) {
  if (rows.length === 0) return [];
  return db.insert(faceTemplates).values(rows).returning();
}

/** An employee's live templates, oldest first, without the ciphertext (nothing here leaves as a vector). */
export async function listFaceTemplates(db: Database, params: { orgId: string; employeeId: string }) {
  return db
    .select({
      id: faceTemplates.id,
      employeeId: faceTemplates.employeeId,
      modelId: faceTemplates.modelId,
      dimensions: faceTemplates.dimensions,
      quality: faceTemplates.quality,
      createdAt: faceTemplates.createdAt,
    })
    .from(faceTemplates)
    .where(
      and(
        eq(faceTemplates.orgId, params.orgId),
        eq(faceTemplates.employeeId, params.employeeId),
        isNull(faceTemplates.deletedAt),
      ),
    )
    .orderBy(asc(faceTemplates.createdAt), asc(faceTemplates.id));
}

/**
 * The org's live templates of one model except one employee's, with their ciphertext: the
 * look-alike guard compares a new enrollment against them.
 */
export async function listOrgFaceTemplatesForModel(
  db: Database,
  params: { orgId: string; modelId: string; exceptEmployeeId: string },
) {
  return db
    .select({
      id: faceTemplates.id,
      employeeId: faceTemplates.employeeId,
      dimensions: faceTemplates.dimensions,
      encryptedEmbedding: faceTemplates.encryptedEmbedding,
      keyVersion: faceTemplates.keyVersion,
    })
    .from(faceTemplates)
    .innerJoin(
      employees,
      and(eq(employees.orgId, faceTemplates.orgId), eq(employees.id, faceTemplates.employeeId)),
    )
    .where(
      and(
        eq(faceTemplates.orgId, params.orgId),
        eq(faceTemplates.modelId, params.modelId),
        ne(faceTemplates.employeeId, params.exceptEmployeeId),
        isNull(faceTemplates.deletedAt),
        isNull(employees.deletedAt),
        eq(employees.status, 'active'),
      ),
    );
}

/**
 * Deletes templates (one, or all of the employee's): the ciphertext is erased at once and the row
 * stays as a tombstone (`deleted_at`) so kiosks learn of it in their next roster delta. Kept
 * enrollment photos of those templates go too. Returns the ids deleted.
 */
export async function deleteFaceTemplates(
  db: Database,
  params: { orgId: string; employeeId: string; templateId?: string; at: Date },
): Promise<string[]> {
  const rows = await db
    .update(faceTemplates)
    .set({ deletedAt: params.at, encryptedEmbedding: null })
    .where(
      and(
        eq(faceTemplates.orgId, params.orgId),
        eq(faceTemplates.employeeId, params.employeeId),
        params.templateId ? eq(faceTemplates.id, params.templateId) : undefined,
        isNull(faceTemplates.deletedAt),
      ),
    )
    .returning({ id: faceTemplates.id });
  const ids = rows.map((row) => row.id);
  const photoConditions = params.templateId
    ? ids.length > 0
      ? inArray(facePhotos.templateId, ids)
      : undefined
    : sql`true`;
  if (photoConditions) {
    await db
      .delete(facePhotos)
      .where(
        and(
          eq(facePhotos.orgId, params.orgId),
          eq(facePhotos.employeeId, params.employeeId),
          photoConditions,
        ),
      );
  }
  return ids;
}

/**
 * Re-sends an employee's live templates in the next roster deltas (the roster_xid trigger fires on
 * any update): needed when the employee moves into a kiosk's scope, e.g. a new home site.
 */
export async function touchFaceTemplates(db: Database, params: { orgId: string; employeeId: string }) {
  await db
    .update(faceTemplates)
    .set({ keyVersion: sql`${faceTemplates.keyVersion}` })
    .where(
      and(
        eq(faceTemplates.orgId, params.orgId),
        eq(faceTemplates.employeeId, params.employeeId),
        isNull(faceTemplates.deletedAt),
      ),
    );
}

export async function insertFacePhoto(db: Database, params: typeof facePhotos.$inferInsert): Promise<void> {
  await db.insert(facePhotos).values(params);
}

export async function countFacePhotos(db: Database, params: { orgId: string; employeeId: string }) {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(facePhotos)
    .where(and(eq(facePhotos.orgId, params.orgId), eq(facePhotos.employeeId, params.employeeId)));
  return row?.count ?? 0;
}

export interface ListRosterTemplateChangesParams {
  orgId: string;
  /** Templates changed by transactions with an id at or above this. 0 = everything. */
  sinceXid: number;
  /** Keyset position (roster_xid, template id) within this round. */
  after: { xid: number; id: string } | null;
  /** First sync: only live templates of employees the kiosk should hold (scope decided by the caller too). */
  isLiveOnly: boolean;
  /** The device's site (live-only filter): employees of that site and those with no home site. */
  siteId: string | null;
  limit: number;
}

/**
 * Kiosk roster delta, template part: pages over `face_templates.roster_xid` exactly like
 * `listRosterChanges` pages employees (see roster.ts for why a transaction id, not a timestamp),
 * with the owner's status and site for the scope decision.
 */
export async function listRosterTemplateChanges(db: Database, params: ListRosterTemplateChangesParams) {
  const conditions: (SQL | undefined)[] = [
    eq(faceTemplates.orgId, params.orgId),
    params.sinceXid > 0 ? gte(faceTemplates.rosterXid, params.sinceXid) : undefined,
    params.after
      ? or(
          gt(faceTemplates.rosterXid, params.after.xid),
          and(eq(faceTemplates.rosterXid, params.after.xid), gt(faceTemplates.id, params.after.id)),
        )
      : undefined,
  ];
  if (params.isLiveOnly) {
    conditions.push(
      isNull(faceTemplates.deletedAt),
      eq(employees.status, 'active'),
      isNull(employees.deletedAt),
    );
    if (params.siteId) {
      conditions.push(or(eq(employees.homeSiteId, params.siteId), isNull(employees.homeSiteId)));
    }
  }
  return db
    .select({
      id: faceTemplates.id,
      employeeId: faceTemplates.employeeId,
      modelId: faceTemplates.modelId,
      dimensions: faceTemplates.dimensions,
      encryptedEmbedding: faceTemplates.encryptedEmbedding,
      keyVersion: faceTemplates.keyVersion,
      deletedAt: faceTemplates.deletedAt,
      rosterXid: faceTemplates.rosterXid,
      employeeCode: employees.code,
      employeeName: employees.name,
      employeeStatus: employees.status,
      employeeDeletedAt: employees.deletedAt,
      employeeHomeSiteId: employees.homeSiteId,
    })
    .from(faceTemplates)
    .innerJoin(
      employees,
      and(eq(employees.orgId, faceTemplates.orgId), eq(employees.id, faceTemplates.employeeId)),
    )
    .where(and(...conditions))
    .orderBy(asc(faceTemplates.rosterXid), asc(faceTemplates.id))
    .limit(params.limit);
}

/** The org's face settings (organizations columns), changed by the face settings API only. */
export async function updateOrgFaceSettings(
  db: Database,
  params: {
    orgId: string;
    faceModel?: 'fr_feature' | 'faceres';
    attackCheckMode?: 'off' | 'warn' | 'block';
    keepEnrollmentPhotos?: boolean;
  },
) {
  const { orgId, ...changes } = params;
  const [row] = await db
    .update(organizations)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(organizations.id, orgId))
    .returning({
      faceModel: organizations.faceModel,
      attackCheckMode: organizations.attackCheckMode,
      keepEnrollmentPhotos: organizations.keepEnrollmentPhotos,
    });
  return row;
}

/** Deletes every kept enrollment photo of the org (keep_enrollment_photos turned off); returns how many. */
export async function deleteOrgFacePhotos(db: Database, params: { orgId: string }): Promise<number> {
  const rows = await db
    .delete(facePhotos)
    .where(eq(facePhotos.orgId, params.orgId))
    .returning({ id: facePhotos.id });
  return rows.length;
}

export type FaceReenrollmentState = 'current' | 'pending' | 'needs_photos';

/**
 * Where each active employee with templates or kept photos stands against the org's model id:
 * `current` (has a live template of that model), `pending` (not yet, but kept photos the model has
 * not refused: the re-enrollment job can make one), `needs_photos` (neither). Ordered by name.
 */
export async function listFaceReenrollmentStates(
  db: Database,
  params: { orgId: string; modelId: string; state?: FaceReenrollmentState; limit?: number },
) {
  const result = await db.execute(sql`
    with per_employee as (
      select e.id as employee_id, e.code, e.name,
        exists (select 1 from face_templates t
                where t.org_id = e.org_id and t.employee_id = e.id and t.deleted_at is null
                  and t.model_id = ${params.modelId}) as has_current,
        exists (select 1 from face_templates t
                where t.org_id = e.org_id and t.employee_id = e.id and t.deleted_at is null) as has_templates,
        (select count(*)::int from face_photos p
          where p.org_id = e.org_id and p.employee_id = e.id) as photos,
        (select count(*)::int from face_photos p
          where p.org_id = e.org_id and p.employee_id = e.id
            and p.rejected_model_id is distinct from ${params.modelId}) as usable_photos
      from employees e
      where e.org_id = ${params.orgId} and e.status = 'active' and e.deleted_at is null
    ), classified as (
      select employee_id, code, name, usable_photos,
        case when has_current then 'current'
             when usable_photos > 0 then 'pending'
             else 'needs_photos' end as state
      from per_employee
      where has_templates or photos > 0
    )
    select * from classified
    ${params.state ? sql`where state = ${params.state}` : sql``}
    order by name, employee_id
    ${params.limit ? sql`limit ${params.limit}` : sql``}
  `);
  return rowsOf<{
    employee_id: string;
    code: string;
    name: string;
    state: FaceReenrollmentState;
    usable_photos: number;
  }>(result).map((row) => ({
    employeeId: row.employee_id,
    code: row.code,
    name: row.name,
    state: row.state,
    usablePhotos: Number(row.usable_photos),
  }));
}

/** An employee's kept photos the model has not refused yet, oldest first, with their ciphertext. */
export async function listUsableFacePhotos(
  db: Database,
  params: { orgId: string; employeeId: string; modelId: string },
) {
  return db
    .select()
    .from(facePhotos)
    .where(
      and(
        eq(facePhotos.orgId, params.orgId),
        eq(facePhotos.employeeId, params.employeeId),
        sql`${facePhotos.rejectedModelId} is distinct from ${params.modelId}`,
      ),
    )
    .orderBy(asc(facePhotos.createdAt), asc(facePhotos.id));
}

/** Links a kept photo to the template re-made from it. */
export async function setFacePhotoTemplate(
  db: Database,
  params: { orgId: string; photoId: string; templateId: string },
): Promise<void> {
  await db
    .update(facePhotos)
    .set({ templateId: params.templateId, rejectedModelId: null })
    .where(and(eq(facePhotos.orgId, params.orgId), eq(facePhotos.id, params.photoId)));
}

/** Marks kept photos in which a model found no usable face, so they are not tried again for it. */
export async function markFacePhotosRejected(
  db: Database,
  params: { orgId: string; photoIds: string[]; modelId: string },
): Promise<void> {
  if (params.photoIds.length === 0) return;
  await db
    .update(facePhotos)
    .set({ rejectedModelId: params.modelId })
    .where(and(eq(facePhotos.orgId, params.orgId), inArray(facePhotos.id, params.photoIds)));
}

/**
 * Tombstones an employee's live templates of other models (they can never match again: kiosks
 * compare only one model id) once templates of the current model exist. Kept photos stay: they
 * back the new templates. Returns the ids.
 */
export async function retireOtherModelFaceTemplates(
  db: Database,
  params: { orgId: string; employeeId: string; modelId: string; at: Date },
): Promise<string[]> {
  const rows = await db
    .update(faceTemplates)
    .set({ deletedAt: params.at, encryptedEmbedding: null })
    .where(
      and(
        eq(faceTemplates.orgId, params.orgId),
        eq(faceTemplates.employeeId, params.employeeId),
        ne(faceTemplates.modelId, params.modelId),
        isNull(faceTemplates.deletedAt),
      ),
    )
    .returning({ id: faceTemplates.id });
  return rows.map((row) => row.id);
}

/**
 * Active orgs that keep enrollment photos (outside any org scope: the re-enrollment sweep), so a
 * model id change from an upgrade of the face pipeline is re-enrolled without anyone asking.
 */
export async function listOrgIdsWithKeptFacePhotos(db: Database): Promise<string[]> {
  const result = await db.execute(sql`
    select distinct p.org_id from face_photos p
      join organizations o on o.id = p.org_id and o.status = 'active'
  `);
  return rowsOf<{ org_id: string }>(result).map((row) => row.org_id);
}
