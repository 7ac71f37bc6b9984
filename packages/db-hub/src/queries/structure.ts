import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { departments, sites } from '../schema/structure';
import { rowsOf } from './rows';

export type DepartmentRow = typeof departments.$inferSelect;
export type SiteRow = typeof sites.$inferSelect;

export async function listDepartments(db: Database, params: { orgId: string }): Promise<DepartmentRow[]> {
  return db
    .select()
    .from(departments)
    .where(and(eq(departments.orgId, params.orgId), isNull(departments.deletedAt)))
    .orderBy(asc(departments.name), asc(departments.id));
}

/** Any department of the org, deleted or not (history refers to deleted ones). */
export async function findDepartment(
  db: Database,
  params: { orgId: string; departmentId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(departments)
    .where(
      and(
        eq(departments.orgId, params.orgId),
        eq(departments.id, params.departmentId),
        params.includeDeleted ? undefined : isNull(departments.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createDepartment(
  db: Database,
  params: { orgId: string; name: string; parentId: string | null; code: string | null },
): Promise<DepartmentRow> {
  const [row] = await db.insert(departments).values(params).returning();
  return row!;
}

export async function updateDepartment(
  db: Database,
  params: {
    orgId: string;
    departmentId: string;
    changes: Partial<Pick<DepartmentRow, 'name' | 'parentId' | 'code' | 'managerUserId' | 'deletedAt'>>;
  },
) {
  const [row] = await db
    .update(departments)
    .set(params.changes)
    .where(
      and(
        eq(departments.orgId, params.orgId),
        eq(departments.id, params.departmentId),
        isNull(departments.deletedAt),
      ),
    )
    .returning();
  return row;
}

/** Ids of the department and every department below it (live ones), for cycle checks. */
export async function listDepartmentSubtreeIds(
  db: Database,
  params: { orgId: string; departmentId: string },
) {
  const result = await db.execute(sql`
    with recursive subtree as (
      select id from ${departments} where org_id = ${params.orgId} and id = ${params.departmentId}
      union
      select d.id from ${departments} d join subtree s on d.parent_id = s.id
      where d.org_id = ${params.orgId} and d.deleted_at is null
    )
    select id from subtree`);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

export async function countLiveChildDepartments(
  db: Database,
  params: { orgId: string; departmentId: string },
) {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(departments)
    .where(
      and(
        eq(departments.orgId, params.orgId),
        eq(departments.parentId, params.departmentId),
        isNull(departments.deletedAt),
      ),
    );
  return row?.count ?? 0;
}

export async function listSites(db: Database, params: { orgId: string }): Promise<SiteRow[]> {
  return db
    .select()
    .from(sites)
    .where(and(eq(sites.orgId, params.orgId), isNull(sites.deletedAt)))
    .orderBy(asc(sites.name), asc(sites.id));
}

/** `timestamptz` as a JSON string the way `Date.prototype.toISOString` writes it (to_char's MS truncates, as Date does). */
const isoJson = (column: string) =>
  `'"' || to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'`;
/** A nullable text column as JSON (`to_json` escapes exactly the characters JSON.stringify does). */
const textJson = (column: string) => `coalesce(to_json(${column})::text, 'null')`;

/**
 * The site list as the API writes it: a JSON array of ZSite objects (the fields, their order and
 * formats of `toSite` in apps/hub), ordered like `listSites`. The console's hot read, so Postgres
 * writes the JSON text and the hub sends it as it arrives: one value instead of 50 rows of 7
 * columns to parse, no drizzle select to build or rows to map, no Date parsed and formatted again,
 * no objects to collect. The text is fixed, so inside an org scope it is prepared once per
 * connection. Sites without a zone of their own get `orgTimeZone` (the caller has the org row).
 */
export async function listSitesJson(
  db: Database,
  params: { orgId: string; orgTimeZone: string },
): Promise<string> {
  const result = await db.execute(siteListJsonQuery(params));
  return rowsOf<{ items: string }>(result)[0]!.items;
}

/** The statement behind `listSitesJson` (one row, `items`); bench:api's ceiling runs it verbatim too. */
export function siteListJsonQuery(params: { orgId: string; orgTimeZone: string }) {
  return sql`
    select '[' || coalesce(string_agg(${SITE_JSON_HEAD}${params.orgTimeZone}::text${SITE_JSON_TAIL}, ',' order by name, id), '') || ']' as items
    from ${sites}
    where org_id = ${params.orgId} and deleted_at is null`;
}
/** One site's object, around the org's time zone (the one parameter). */
const SITE_JSON_HEAD = sql.raw(`'{"id":"' || id || '","name":' || to_json(name)
  || ',"timeZone":' || ${textJson('time_zone')} || ',"effectiveTimeZone":' || to_json(coalesce(time_zone, `);
const SITE_JSON_TAIL = sql.raw(`)) || ',"address":' || ${textJson('address')}
  || ',"createdAt":' || ${isoJson('created_at')} || ',"updatedAt":' || ${isoJson('updated_at')} || '}'`);

export async function findSite(
  db: Database,
  params: { orgId: string; siteId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(sites)
    .where(
      and(
        eq(sites.orgId, params.orgId),
        eq(sites.id, params.siteId),
        params.includeDeleted ? undefined : isNull(sites.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createSite(
  db: Database,
  params: { orgId: string; name: string; timeZone: string | null; address: string | null },
): Promise<SiteRow> {
  const [row] = await db.insert(sites).values(params).returning();
  return row!;
}

export async function updateSite(
  db: Database,
  params: {
    orgId: string;
    siteId: string;
    changes: Partial<Pick<SiteRow, 'name' | 'timeZone' | 'address' | 'deletedAt'>>;
  },
) {
  const [row] = await db
    .update(sites)
    .set(params.changes)
    .where(and(eq(sites.orgId, params.orgId), eq(sites.id, params.siteId), isNull(sites.deletedAt)))
    .returning();
  return row;
}
