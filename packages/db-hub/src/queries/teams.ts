import { and, asc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../client';
import { employees } from '../schema/employees';
import { teamMembers, teams } from '../schema/projects';

export type TeamRow = typeof teams.$inferSelect;
export type TeamMemberRow = typeof teamMembers.$inferSelect;
export type TeamChanges = Partial<Pick<TeamRow, 'name' | 'departmentId' | 'managerUserId' | 'deletedAt'>>;

/** Live teams in name order; one extra row tells whether another page exists. */
export async function listTeams(
  db: Database,
  params: {
    orgId: string;
    limit: number;
    after?: { name: string; id: string } | undefined;
    departmentId?: string | undefined;
  },
): Promise<TeamRow[]> {
  return db
    .select()
    .from(teams)
    .where(
      and(
        eq(teams.orgId, params.orgId),
        isNull(teams.deletedAt),
        params.departmentId ? eq(teams.departmentId, params.departmentId) : undefined,
        params.after
          ? or(
              gt(teams.name, params.after.name),
              and(eq(teams.name, params.after.name), gt(teams.id, params.after.id)),
            )
          : undefined,
      ),
    )
    .orderBy(asc(teams.name), asc(teams.id))
    .limit(params.limit + 1);
}

export async function findTeam(
  db: Database,
  params: { orgId: string; teamId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(teams)
    .where(
      and(
        eq(teams.orgId, params.orgId),
        eq(teams.id, params.teamId),
        params.includeDeleted ? undefined : isNull(teams.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createTeam(
  db: Database,
  params: { orgId: string; name: string; departmentId?: string | null; managerUserId?: string | null },
): Promise<TeamRow> {
  const [row] = await db.insert(teams).values(params).returning();
  return row!;
}

export async function updateTeam(
  db: Database,
  params: { orgId: string; teamId: string; changes: TeamChanges },
) {
  const [row] = await db
    .update(teams)
    .set(params.changes)
    .where(and(eq(teams.orgId, params.orgId), eq(teams.id, params.teamId), isNull(teams.deletedAt)))
    .returning();
  return row;
}

/** A team's current members with their names, in name order (ended memberships and deleted employees left out). */
export async function listTeamMembers(db: Database, params: { orgId: string; teamId: string }) {
  return db
    .select({ member: teamMembers, employeeName: employees.name })
    .from(teamMembers)
    .innerJoin(
      employees,
      and(eq(employees.orgId, teamMembers.orgId), eq(employees.id, teamMembers.employeeId)),
    )
    .where(
      and(
        eq(teamMembers.orgId, params.orgId),
        eq(teamMembers.teamId, params.teamId),
        isNull(teamMembers.endedOn),
        isNull(employees.deletedAt),
      ),
    )
    .orderBy(asc(employees.name), asc(employees.id));
}

export async function findTeamMember(
  db: Database,
  params: { orgId: string; teamId: string; employeeId: string },
) {
  const [row] = await db
    .select()
    .from(teamMembers)
    .where(
      and(
        eq(teamMembers.orgId, params.orgId),
        eq(teamMembers.teamId, params.teamId),
        eq(teamMembers.employeeId, params.employeeId),
      ),
    )
    .limit(1);
  return row;
}

export async function createTeamMember(
  db: Database,
  params: { orgId: string; teamId: string; employeeId: string; allocationPercent: number },
): Promise<TeamMemberRow> {
  const [row] = await db.insert(teamMembers).values(params).returning();
  return row!;
}

/** Changes the allocation; `endedOn: null` makes an ended membership current again. */
export async function updateTeamMember(
  db: Database,
  params: {
    orgId: string;
    teamId: string;
    employeeId: string;
    allocationPercent: number;
    endedOn?: null;
  },
) {
  const [row] = await db
    .update(teamMembers)
    .set({
      allocationPercent: params.allocationPercent,
      ...(params.endedOn === null ? { endedOn: null } : {}),
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(teamMembers.orgId, params.orgId),
        eq(teamMembers.teamId, params.teamId),
        eq(teamMembers.employeeId, params.employeeId),
      ),
    )
    .returning();
  return row;
}

/**
 * The employee's allocation summed over their current memberships of live teams, leaving out
 * `exceptTeamId` (the membership being changed).
 */
export async function sumTeamAllocations(
  db: Database,
  params: { orgId: string; employeeId: string; exceptTeamId?: string | undefined },
): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`coalesce(sum(${teamMembers.allocationPercent}), 0)::int` })
    .from(teamMembers)
    .innerJoin(teams, and(eq(teams.orgId, teamMembers.orgId), eq(teams.id, teamMembers.teamId)))
    .where(
      and(
        eq(teamMembers.orgId, params.orgId),
        eq(teamMembers.employeeId, params.employeeId),
        isNull(teamMembers.endedOn),
        isNull(teams.deletedAt),
        params.exceptTeamId ? ne(teamMembers.teamId, params.exceptTeamId) : undefined,
      ),
    );
  return row?.total ?? 0;
}

/** Ends every current membership of the employee on `endedOn`; answers the rows ended. */
export async function endTeamMemberships(
  db: Database,
  params: { orgId: string; employeeId: string; endedOn: string },
): Promise<TeamMemberRow[]> {
  return db
    .update(teamMembers)
    .set({ endedOn: params.endedOn, updatedAt: new Date() })
    .where(
      and(
        eq(teamMembers.orgId, params.orgId),
        eq(teamMembers.employeeId, params.employeeId),
        isNull(teamMembers.endedOn),
      ),
    )
    .returning();
}

/** Membership is current state only (no history refers to it), so removal is a real delete. */
export async function deleteTeamMember(
  db: Database,
  params: { orgId: string; teamId: string; employeeId: string },
) {
  const [row] = await db
    .delete(teamMembers)
    .where(
      and(
        eq(teamMembers.orgId, params.orgId),
        eq(teamMembers.teamId, params.teamId),
        eq(teamMembers.employeeId, params.employeeId),
      ),
    )
    .returning();
  return row;
}
