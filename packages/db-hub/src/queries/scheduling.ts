import { and, asc, eq, gt, gte, inArray, isNull, lte, or, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { shiftAssignments, shiftPatterns, shiftTemplates } from '../schema/scheduling';

export type ShiftTemplateRow = typeof shiftTemplates.$inferSelect;
export type ShiftPatternRow = typeof shiftPatterns.$inferSelect;
export type ShiftAssignmentRow = typeof shiftAssignments.$inferSelect;
export type NewShiftTemplate = Omit<
  typeof shiftTemplates.$inferInsert,
  'id' | 'createdAt' | 'updatedAt' | 'deletedAt'
>;
export type ShiftTemplateChanges = Partial<Omit<NewShiftTemplate, 'orgId'>> & { deletedAt?: Date };
export type NewShiftPattern = Omit<
  typeof shiftPatterns.$inferInsert,
  'id' | 'createdAt' | 'updatedAt' | 'deletedAt'
>;
export type ShiftPatternChanges = Partial<Omit<NewShiftPattern, 'orgId' | 'employeeId'>> & {
  deletedAt?: Date;
};
export type NewShiftAssignment = Omit<
  typeof shiftAssignments.$inferInsert,
  'id' | 'createdAt' | 'updatedAt' | 'deletedAt'
>;

/** Live shift templates in name order; one extra row tells whether another page exists. */
export async function listShiftTemplates(
  db: Database,
  params: { orgId: string; limit: number; after?: { name: string; id: string } | undefined },
): Promise<ShiftTemplateRow[]> {
  return db
    .select()
    .from(shiftTemplates)
    .where(
      and(
        eq(shiftTemplates.orgId, params.orgId),
        isNull(shiftTemplates.deletedAt),
        params.after
          ? or(
              gt(shiftTemplates.name, params.after.name),
              and(eq(shiftTemplates.name, params.after.name), gt(shiftTemplates.id, params.after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(shiftTemplates.name), asc(shiftTemplates.id))
    .limit(params.limit + 1);
}

/** Deleted templates are found too when asked: past schedules and reports still name them. */
export async function findShiftTemplate(
  db: Database,
  params: { orgId: string; shiftTemplateId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(shiftTemplates)
    .where(
      and(
        eq(shiftTemplates.orgId, params.orgId),
        eq(shiftTemplates.id, params.shiftTemplateId),
        params.includeDeleted ? undefined : isNull(shiftTemplates.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createShiftTemplate(db: Database, params: NewShiftTemplate): Promise<ShiftTemplateRow> {
  const [row] = await db.insert(shiftTemplates).values(params).returning();
  return row!;
}

export async function updateShiftTemplate(
  db: Database,
  params: { orgId: string; shiftTemplateId: string; changes: ShiftTemplateChanges },
) {
  const [row] = await db
    .update(shiftTemplates)
    .set(params.changes)
    .where(
      and(
        eq(shiftTemplates.orgId, params.orgId),
        eq(shiftTemplates.id, params.shiftTemplateId),
        isNull(shiftTemplates.deletedAt),
      ),
    )
    .returning();
  return row;
}

/** Live weekly patterns, by employee then start date; filter by employees and/or template. */
export async function listShiftPatterns(
  db: Database,
  params: {
    orgId: string;
    employeeIds?: readonly string[] | undefined;
    shiftTemplateId?: string | undefined;
    /** Only patterns in force on some date of this inclusive range. */
    overlapping?: { from: string; to: string } | undefined;
  },
): Promise<ShiftPatternRow[]> {
  if (params.employeeIds && params.employeeIds.length === 0) return [];
  return db
    .select()
    .from(shiftPatterns)
    .where(
      and(
        eq(shiftPatterns.orgId, params.orgId),
        isNull(shiftPatterns.deletedAt),
        params.employeeIds ? inArray(shiftPatterns.employeeId, [...params.employeeIds]) : undefined,
        params.shiftTemplateId ? eq(shiftPatterns.shiftTemplateId, params.shiftTemplateId) : undefined,
        params.overlapping ? lte(shiftPatterns.effectiveFrom, params.overlapping.to) : undefined,
        params.overlapping
          ? or(isNull(shiftPatterns.effectiveTo), gte(shiftPatterns.effectiveTo, params.overlapping.from))
          : undefined,
      ),
    )
    .orderBy(asc(shiftPatterns.employeeId), asc(shiftPatterns.effectiveFrom), asc(shiftPatterns.id));
}

export async function findShiftPattern(db: Database, params: { orgId: string; shiftPatternId: string }) {
  const [row] = await db
    .select()
    .from(shiftPatterns)
    .where(
      and(
        eq(shiftPatterns.orgId, params.orgId),
        eq(shiftPatterns.id, params.shiftPatternId),
        isNull(shiftPatterns.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createShiftPattern(db: Database, params: NewShiftPattern): Promise<ShiftPatternRow> {
  const [row] = await db.insert(shiftPatterns).values(params).returning();
  return row!;
}

export async function updateShiftPattern(
  db: Database,
  params: { orgId: string; shiftPatternId: string; changes: ShiftPatternChanges },
) {
  const [row] = await db
    .update(shiftPatterns)
    .set(params.changes)
    .where(
      and(
        eq(shiftPatterns.orgId, params.orgId),
        eq(shiftPatterns.id, params.shiftPatternId),
        isNull(shiftPatterns.deletedAt),
      ),
    )
    .returning();
  return row;
}

/** Live dated assignments with `from <= work_date <= to`, by employee, date, then id. */
export async function listShiftAssignments(
  db: Database,
  params: { orgId: string; employeeIds?: readonly string[] | undefined; from: string; to: string },
): Promise<ShiftAssignmentRow[]> {
  if (params.employeeIds && params.employeeIds.length === 0) return [];
  const conditions: (SQL | undefined)[] = [
    eq(shiftAssignments.orgId, params.orgId),
    isNull(shiftAssignments.deletedAt),
    gte(shiftAssignments.workDate, params.from),
    lte(shiftAssignments.workDate, params.to),
    params.employeeIds ? inArray(shiftAssignments.employeeId, [...params.employeeIds]) : undefined,
  ];
  return db
    .select()
    .from(shiftAssignments)
    .where(and(...conditions))
    .orderBy(asc(shiftAssignments.employeeId), asc(shiftAssignments.workDate), asc(shiftAssignments.id));
}

/** Soft-deletes the employee's live dated assignments after `after`; answers the rows removed. */
export async function deleteShiftAssignmentsAfter(
  db: Database,
  params: { orgId: string; employeeId: string; after: string; deletedAt: Date },
): Promise<ShiftAssignmentRow[]> {
  return db
    .update(shiftAssignments)
    .set({ deletedAt: params.deletedAt })
    .where(
      and(
        eq(shiftAssignments.orgId, params.orgId),
        eq(shiftAssignments.employeeId, params.employeeId),
        isNull(shiftAssignments.deletedAt),
        gt(shiftAssignments.workDate, params.after),
      ),
    )
    .returning();
}

export async function findShiftAssignment(
  db: Database,
  params: { orgId: string; shiftAssignmentId: string },
) {
  const [row] = await db
    .select()
    .from(shiftAssignments)
    .where(
      and(
        eq(shiftAssignments.orgId, params.orgId),
        eq(shiftAssignments.id, params.shiftAssignmentId),
        isNull(shiftAssignments.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createShiftAssignment(
  db: Database,
  params: NewShiftAssignment,
): Promise<ShiftAssignmentRow> {
  const [row] = await db.insert(shiftAssignments).values(params).returning();
  return row!;
}

export async function deleteShiftAssignment(
  db: Database,
  params: { orgId: string; shiftAssignmentId: string; deletedAt: Date },
) {
  const [row] = await db
    .update(shiftAssignments)
    .set({ deletedAt: params.deletedAt })
    .where(
      and(
        eq(shiftAssignments.orgId, params.orgId),
        eq(shiftAssignments.id, params.shiftAssignmentId),
        isNull(shiftAssignments.deletedAt),
      ),
    )
    .returning();
  return row;
}

/** Templates by id, deleted ones included (a schedule keeps naming the template it was made with). */
export async function listShiftTemplatesByIds(
  db: Database,
  params: { orgId: string; shiftTemplateIds: readonly string[] },
): Promise<ShiftTemplateRow[]> {
  if (params.shiftTemplateIds.length === 0) return [];
  return db
    .select()
    .from(shiftTemplates)
    .where(
      and(eq(shiftTemplates.orgId, params.orgId), inArray(shiftTemplates.id, [...params.shiftTemplateIds])),
    );
}

/** Employees whose live patterns or dated shifts use a template (whose schedule a template edit changes). */
export async function listEmployeeIdsUsingTemplate(
  db: Database,
  params: { orgId: string; shiftTemplateId: string },
): Promise<string[]> {
  const patterns = await db
    .selectDistinct({ id: shiftPatterns.employeeId })
    .from(shiftPatterns)
    .where(
      and(
        eq(shiftPatterns.orgId, params.orgId),
        eq(shiftPatterns.shiftTemplateId, params.shiftTemplateId),
        isNull(shiftPatterns.deletedAt),
      ),
    );
  const assignments = await db
    .selectDistinct({ id: shiftAssignments.employeeId })
    .from(shiftAssignments)
    .where(
      and(
        eq(shiftAssignments.orgId, params.orgId),
        eq(shiftAssignments.shiftTemplateId, params.shiftTemplateId),
        isNull(shiftAssignments.deletedAt),
      ),
    );
  return [...new Set([...patterns, ...assignments].map((row) => row.id))];
}
