import { and, asc, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { customRoles, memberships } from '../schema/memberships';
import { organizations } from '../schema/organizations';
import { sessions, users } from '../schema/users';

export type OrganizationRow = typeof organizations.$inferSelect;
export type MembershipRow = typeof memberships.$inferSelect;
export type CustomRoleRow = typeof customRoles.$inferSelect;
export type MembershipRole = MembershipRow['role'];

export async function createOrganization(
  db: Database,
  params: { name: string; timeZone?: string; weekStart?: number; locale?: string },
): Promise<OrganizationRow> {
  const [row] = await db.insert(organizations).values(params).returning();
  return row!;
}

export async function findOrganization(
  db: Database,
  params: { orgId: string },
): Promise<OrganizationRow | undefined> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, params.orgId)).limit(1);
  return row;
}

export async function updateOrganization(
  db: Database,
  params: {
    orgId: string;
    changes: Partial<
      Pick<
        OrganizationRow,
        | 'name'
        | 'timeZone'
        | 'weekStart'
        | 'locale'
        | 'periodFrequency'
        | 'periodAnchorDate'
        | 'periodHistory'
      >
    >;
  },
): Promise<OrganizationRow | undefined> {
  const [row] = await db
    .update(organizations)
    .set(params.changes)
    .where(eq(organizations.id, params.orgId))
    .returning();
  return row;
}

export async function setOrganizationStatus(
  db: Database,
  params: { orgId: string; status: OrganizationRow['status']; reason: string | null; now: Date },
): Promise<OrganizationRow | undefined> {
  const [row] = await db
    .update(organizations)
    .set({
      status: params.status,
      suspendedAt: params.status === 'suspended' ? params.now : null,
      suspendedReason: params.status === 'suspended' ? params.reason : null,
    })
    .where(eq(organizations.id, params.orgId))
    .returning();
  return row;
}

/** Platform listing for the super-admin, newest first, cursor on id (UUIDv7 = creation order). */
export async function listOrganizations(
  db: Database,
  params: { limit: number; cursor?: string | undefined },
) {
  const rows = await db
    .select({
      organization: organizations,
      memberCount: sql<number>`(select count(*)::int from ${memberships} where ${memberships.orgId} = ${organizations.id})`,
    })
    .from(organizations)
    .where(params.cursor ? lt(organizations.id, params.cursor) : undefined)
    .orderBy(desc(organizations.id))
    .limit(params.limit + 1);
  return rows;
}

export async function createMembership(
  db: Database,
  params: { orgId: string; userId: string; role: MembershipRole; customRoleId?: string | null },
): Promise<MembershipRow> {
  const [row] = await db.insert(memberships).values(params).returning();
  return row!;
}

/** The caller's membership in an org, with the org and (for custom roles) its permissions. */
export async function findMembershipWithOrganization(
  db: Database,
  params: { orgId: string; userId: string },
) {
  const [row] = await db
    .select({
      membership: memberships,
      organization: organizations,
      customPermissions: customRoles.permissions,
    })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .leftJoin(
      customRoles,
      and(eq(customRoles.orgId, memberships.orgId), eq(customRoles.id, memberships.customRoleId)),
    )
    .where(and(eq(memberships.orgId, params.orgId), eq(memberships.userId, params.userId)))
    .limit(1);
  return row;
}

/** Every org a user belongs to (for /auth/me), oldest membership first. */
export async function listUserMemberships(db: Database, params: { userId: string }) {
  return db
    .select({
      membership: memberships,
      organization: organizations,
      customPermissions: customRoles.permissions,
    })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .leftJoin(
      customRoles,
      and(eq(customRoles.orgId, memberships.orgId), eq(customRoles.id, memberships.customRoleId)),
    )
    .where(eq(memberships.userId, params.userId))
    .orderBy(asc(memberships.createdAt));
}

export async function listMembers(db: Database, params: { orgId: string }) {
  return db
    .select({ membership: memberships, user: { id: users.id, name: users.name, email: users.email } })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, params.orgId))
    .orderBy(asc(users.name), asc(users.id));
}

export async function findMember(db: Database, params: { orgId: string; userId: string }) {
  const [row] = await db
    .select({ membership: memberships, user: { id: users.id, name: users.name, email: users.email } })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.orgId, params.orgId), eq(memberships.userId, params.userId)))
    .limit(1);
  return row;
}

export async function updateMembershipRole(
  db: Database,
  params: { orgId: string; userId: string; role: MembershipRole; customRoleId: string | null },
): Promise<MembershipRow | undefined> {
  const [row] = await db
    .update(memberships)
    .set({ role: params.role, customRoleId: params.customRoleId })
    .where(and(eq(memberships.orgId, params.orgId), eq(memberships.userId, params.userId)))
    .returning();
  return row;
}

export async function deleteMembership(
  db: Database,
  params: { orgId: string; userId: string },
): Promise<boolean> {
  const rows = await db
    .delete(memberships)
    .where(and(eq(memberships.orgId, params.orgId), eq(memberships.userId, params.userId)))
    .returning({ id: memberships.id });
  return rows.length > 0;
}

/**
 * Locks the org's owner memberships and counts them, so that two concurrent demotions cannot both
 * see "another owner exists" and leave the org with none.
 */
export async function countOwnersForUpdate(db: Database, params: { orgId: string }): Promise<number> {
  const rows = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.orgId, params.orgId), eq(memberships.role, 'owner')))
    .for('update');
  return rows.length;
}

export async function listCustomRoles(db: Database, params: { orgId: string }): Promise<CustomRoleRow[]> {
  return db
    .select()
    .from(customRoles)
    .where(eq(customRoles.orgId, params.orgId))
    .orderBy(asc(customRoles.name));
}

export async function findCustomRole(db: Database, params: { orgId: string; roleId: string }) {
  const [row] = await db
    .select()
    .from(customRoles)
    .where(and(eq(customRoles.orgId, params.orgId), eq(customRoles.id, params.roleId)))
    .limit(1);
  return row;
}

export async function createCustomRole(
  db: Database,
  params: { orgId: string; name: string; description: string | null; permissions: string[] },
): Promise<CustomRoleRow> {
  const [row] = await db.insert(customRoles).values(params).returning();
  return row!;
}

export async function updateCustomRole(
  db: Database,
  params: {
    orgId: string;
    roleId: string;
    changes: Partial<Pick<CustomRoleRow, 'name' | 'description' | 'permissions'>>;
  },
) {
  const [row] = await db
    .update(customRoles)
    .set(params.changes)
    .where(and(eq(customRoles.orgId, params.orgId), eq(customRoles.id, params.roleId)))
    .returning();
  return row;
}

export async function deleteCustomRole(
  db: Database,
  params: { orgId: string; roleId: string },
): Promise<boolean> {
  const rows = await db
    .delete(customRoles)
    .where(and(eq(customRoles.orgId, params.orgId), eq(customRoles.id, params.roleId)))
    .returning({ id: customRoles.id });
  return rows.length > 0;
}

export async function countMembersWithCustomRole(db: Database, params: { orgId: string; roleId: string }) {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.orgId, params.orgId), eq(memberships.customRoleId, params.roleId)));
  return row?.count ?? 0;
}

function prepareOrgAccess(db: Database) {
  return db
    .select({
      user: { id: users.id, email: users.email, name: users.name, isSuperadmin: users.isSuperadmin },
      membership: { role: memberships.role, customRoleId: memberships.customRoleId },
      organization: organizations,
      customPermissions: customRoles.permissions,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(
      memberships,
      and(eq(memberships.userId, users.id), eq(memberships.orgId, sql.placeholder('orgId'))),
    )
    .leftJoin(organizations, eq(organizations.id, memberships.orgId))
    .leftJoin(
      customRoles,
      and(eq(customRoles.orgId, memberships.orgId), eq(customRoles.id, memberships.customRoleId)),
    )
    .where(
      and(
        eq(sessions.id, sql.placeholder('sessionId')),
        eq(sessions.userId, sql.placeholder('userId')),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql.placeholder('now')),
      ),
    )
    .limit(1)
    .prepare('find_org_access');
}
const orgAccessStatements = new WeakMap<Database, ReturnType<typeof prepareOrgAccess>>();

/**
 * Everything an org-scoped request needs in one round trip: the live session and its user, and the
 * user's membership in `orgId` with the org and custom-role permissions (membership null when the
 * user is not a member). The hottest query of the API, so it is prepared once per database handle.
 */
export async function findOrgAccess(
  db: Database,
  params: { sessionId: string; userId: string; orgId: string; now: Date },
) {
  let prepared = orgAccessStatements.get(db);
  if (!prepared) {
    prepared = prepareOrgAccess(db);
    orgAccessStatements.set(db, prepared);
  }
  // postgres.js binds prepared-statement parameters as text and throws on a Date: send the ISO string.
  const [row] = await prepared.execute({ ...params, now: params.now.toISOString() });
  return row;
}
