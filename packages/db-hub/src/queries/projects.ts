import { and, asc, eq, gt, ilike, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client';
import { employees } from '../schema/employees';
import { clients, projectCategories, projectMembers, projects, tasks } from '../schema/projects';
import { rowsOf } from './rows';

export type ClientRow = typeof clients.$inferSelect;
export type ProjectCategoryRow = typeof projectCategories.$inferSelect;
export type ProjectRow = typeof projects.$inferSelect;
export type ProjectMemberRow = typeof projectMembers.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;
type Editable<T, K extends keyof T> = Partial<Pick<T, K>> & { deletedAt?: Date };
export type ClientChanges = Editable<ClientRow, 'name' | 'email' | 'notes'>;
export type ProjectCategoryChanges = Editable<ProjectCategoryRow, 'name' | 'color'>;
export type NewProject = Omit<typeof projects.$inferInsert, 'id' | 'createdAt' | 'updatedAt' | 'deletedAt'>;
export type ProjectChanges = Partial<Omit<NewProject, 'orgId'>> & { deletedAt?: Date };
export type NewTask = Omit<typeof tasks.$inferInsert, 'id' | 'createdAt' | 'updatedAt' | 'deletedAt'>;
export type TaskChanges = Partial<Omit<NewTask, 'orgId' | 'projectId'>>;

type Keyset = { name: string; id: string } | undefined;
const afterName = (table: typeof clients | typeof projectCategories | typeof projects, after: Keyset) =>
  after ? or(gt(table.name, after.name), and(eq(table.name, after.name), gt(table.id, after.id))) : undefined;
const likePattern = (search: string) => `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;

export async function listClients(db: Database, params: { orgId: string; limit: number; after?: Keyset }) {
  return db
    .select()
    .from(clients)
    .where(and(eq(clients.orgId, params.orgId), isNull(clients.deletedAt), afterName(clients, params.after)))
    .orderBy(asc(clients.name), asc(clients.id))
    .limit(params.limit + 1);
}

export async function findClient(
  db: Database,
  params: { orgId: string; clientId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(clients)
    .where(
      and(
        eq(clients.orgId, params.orgId),
        eq(clients.id, params.clientId),
        params.includeDeleted ? undefined : isNull(clients.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createClient(
  db: Database,
  params: { orgId: string; name: string; email?: string | null; notes?: string | null },
): Promise<ClientRow> {
  const [row] = await db.insert(clients).values(params).returning();
  return row!;
}

export async function updateClient(
  db: Database,
  params: { orgId: string; clientId: string; changes: ClientChanges },
) {
  const [row] = await db
    .update(clients)
    .set(params.changes)
    .where(and(eq(clients.orgId, params.orgId), eq(clients.id, params.clientId), isNull(clients.deletedAt)))
    .returning();
  return row;
}

export async function listProjectCategories(
  db: Database,
  params: { orgId: string; limit: number; after?: Keyset },
) {
  return db
    .select()
    .from(projectCategories)
    .where(
      and(
        eq(projectCategories.orgId, params.orgId),
        isNull(projectCategories.deletedAt),
        afterName(projectCategories, params.after),
      ),
    )
    .orderBy(asc(projectCategories.name), asc(projectCategories.id))
    .limit(params.limit + 1);
}

export async function findProjectCategory(
  db: Database,
  params: { orgId: string; categoryId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(projectCategories)
    .where(
      and(
        eq(projectCategories.orgId, params.orgId),
        eq(projectCategories.id, params.categoryId),
        params.includeDeleted ? undefined : isNull(projectCategories.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createProjectCategory(
  db: Database,
  params: { orgId: string; name: string; color?: string | null },
): Promise<ProjectCategoryRow> {
  const [row] = await db.insert(projectCategories).values(params).returning();
  return row!;
}

export async function updateProjectCategory(
  db: Database,
  params: { orgId: string; categoryId: string; changes: ProjectCategoryChanges },
) {
  const [row] = await db
    .update(projectCategories)
    .set(params.changes)
    .where(
      and(
        eq(projectCategories.orgId, params.orgId),
        eq(projectCategories.id, params.categoryId),
        isNull(projectCategories.deletedAt),
      ),
    )
    .returning();
  return row;
}

export interface ListProjectsParams {
  orgId: string;
  limit: number;
  after?: Keyset;
  status?: ProjectRow['status'] | undefined;
  clientId?: string | undefined;
  categoryId?: string | undefined;
  /** Matches name or code, case-insensitively. */
  search?: string | undefined;
}

export async function listProjects(db: Database, params: ListProjectsParams): Promise<ProjectRow[]> {
  const conditions: (SQL | undefined)[] = [
    eq(projects.orgId, params.orgId),
    isNull(projects.deletedAt),
    params.status ? eq(projects.status, params.status) : undefined,
    params.clientId ? eq(projects.clientId, params.clientId) : undefined,
    params.categoryId ? eq(projects.categoryId, params.categoryId) : undefined,
    params.search
      ? or(ilike(projects.name, likePattern(params.search)), ilike(projects.code, likePattern(params.search)))
      : undefined,
    afterName(projects, params.after),
  ];
  return db
    .select()
    .from(projects)
    .where(and(...conditions))
    .orderBy(asc(projects.name), asc(projects.id))
    .limit(params.limit + 1);
}

export async function findProject(
  db: Database,
  params: { orgId: string; projectId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(projects)
    .where(
      and(
        eq(projects.orgId, params.orgId),
        eq(projects.id, params.projectId),
        params.includeDeleted ? undefined : isNull(projects.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createProject(db: Database, params: NewProject): Promise<ProjectRow> {
  const [row] = await db.insert(projects).values(params).returning();
  return row!;
}

export async function updateProject(
  db: Database,
  params: { orgId: string; projectId: string; changes: ProjectChanges },
) {
  const [row] = await db
    .update(projects)
    .set(params.changes)
    .where(
      and(eq(projects.orgId, params.orgId), eq(projects.id, params.projectId), isNull(projects.deletedAt)),
    )
    .returning();
  return row;
}

/** Mean progress of each project's live top-level tasks (absent: no tasks). */
export async function listProjectProgress(
  db: Database,
  params: { orgId: string; projectIds: readonly string[] },
): Promise<Map<string, number>> {
  if (params.projectIds.length === 0) return new Map();
  const result = await db.execute(sql`
    select project_id, round(avg(progress_percent))::int as progress
      from tasks
     where org_id = ${params.orgId} and parent_id is null and deleted_at is null
       and project_id in (${sql.join(
         params.projectIds.map((id) => sql`${id}::uuid`),
         sql`, `,
       )})
     group by project_id
  `);
  return new Map(
    rowsOf<{ project_id: string; progress: number }>(result).map((row) => [row.project_id, row.progress]),
  );
}

/** A project's current members in name order (memberships ended at a termination left out). */
export async function listProjectMembers(db: Database, params: { orgId: string; projectId: string }) {
  return db
    .select({ member: projectMembers, employeeName: employees.name })
    .from(projectMembers)
    .innerJoin(
      employees,
      and(eq(employees.orgId, projectMembers.orgId), eq(employees.id, projectMembers.employeeId)),
    )
    .where(
      and(
        eq(projectMembers.orgId, params.orgId),
        eq(projectMembers.projectId, params.projectId),
        isNull(projectMembers.endedOn),
      ),
    )
    .orderBy(asc(employees.name), asc(employees.id));
}

export async function findProjectMember(
  db: Database,
  params: { orgId: string; projectId: string; employeeId: string },
) {
  const [row] = await db
    .select()
    .from(projectMembers)
    .where(
      and(
        eq(projectMembers.orgId, params.orgId),
        eq(projectMembers.projectId, params.projectId),
        eq(projectMembers.employeeId, params.employeeId),
      ),
    )
    .limit(1);
  return row;
}

export async function createProjectMember(
  db: Database,
  params: {
    orgId: string;
    projectId: string;
    employeeId: string;
    role: ProjectMemberRow['role'];
    hourlyRateMinor: number | null;
  },
): Promise<ProjectMemberRow> {
  const [row] = await db.insert(projectMembers).values(params).returning();
  return row!;
}

export async function updateProjectMember(
  db: Database,
  params: {
    orgId: string;
    projectId: string;
    employeeId: string;
    /** `endedOn: null` makes an ended membership current again. */
    changes: Partial<Pick<ProjectMemberRow, 'role' | 'hourlyRateMinor'>> & { endedOn?: null };
  },
) {
  const [row] = await db
    .update(projectMembers)
    .set(params.changes)
    .where(
      and(
        eq(projectMembers.orgId, params.orgId),
        eq(projectMembers.projectId, params.projectId),
        eq(projectMembers.employeeId, params.employeeId),
      ),
    )
    .returning();
  return row;
}

/** Ends every current project membership of the employee on `endedOn`; answers the rows ended. */
export async function endProjectMemberships(
  db: Database,
  params: { orgId: string; employeeId: string; endedOn: string },
): Promise<ProjectMemberRow[]> {
  return db
    .update(projectMembers)
    .set({ endedOn: params.endedOn, updatedAt: new Date() })
    .where(
      and(
        eq(projectMembers.orgId, params.orgId),
        eq(projectMembers.employeeId, params.employeeId),
        isNull(projectMembers.endedOn),
      ),
    )
    .returning();
}

export async function deleteProjectMember(
  db: Database,
  params: { orgId: string; projectId: string; employeeId: string },
) {
  const [row] = await db
    .delete(projectMembers)
    .where(
      and(
        eq(projectMembers.orgId, params.orgId),
        eq(projectMembers.projectId, params.projectId),
        eq(projectMembers.employeeId, params.employeeId),
      ),
    )
    .returning();
  return row;
}

/** A project's live tasks, parents before children is left to the caller: ordered by position, then name. */
export async function listTasks(
  db: Database,
  params: { orgId: string; projectId: string },
): Promise<TaskRow[]> {
  return db
    .select()
    .from(tasks)
    .where(and(eq(tasks.orgId, params.orgId), eq(tasks.projectId, params.projectId), isNull(tasks.deletedAt)))
    .orderBy(asc(tasks.position), asc(tasks.name), asc(tasks.id));
}

/** A task by id (deleted ones when asked: time entries and reports still name them). */
export async function findTask(
  db: Database,
  params: { orgId: string; taskId: string; includeDeleted?: boolean },
) {
  const [row] = await db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.orgId, params.orgId),
        eq(tasks.id, params.taskId),
        params.includeDeleted ? undefined : isNull(tasks.deletedAt),
      ),
    )
    .limit(1);
  return row;
}

export async function createTask(db: Database, params: NewTask): Promise<TaskRow> {
  const [row] = await db.insert(tasks).values(params).returning();
  return row!;
}

export async function updateTask(
  db: Database,
  params: { orgId: string; taskId: string; changes: TaskChanges },
) {
  const [row] = await db
    .update(tasks)
    .set(params.changes)
    .where(and(eq(tasks.orgId, params.orgId), eq(tasks.id, params.taskId), isNull(tasks.deletedAt)))
    .returning();
  return row;
}

/** The ids from a task up to its root (the task itself first): the chain a new parent must not be in. */
export async function listTaskAncestorIds(
  db: Database,
  params: { orgId: string; taskId: string },
): Promise<string[]> {
  const result = await db.execute(sql`
    with recursive chain (id, parent_id, depth) as (
      select id, parent_id, 0 from tasks where org_id = ${params.orgId} and id = ${params.taskId}
      union all
      select t.id, t.parent_id, chain.depth + 1 from tasks t
        join chain on t.id = chain.parent_id
       where t.org_id = ${params.orgId} and chain.depth < 1000
    )
    select id from chain order by depth
  `);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

/** Soft-deletes a task and every live subtask below it; returns the ids deleted. */
export async function deleteTaskSubtree(
  db: Database,
  params: { orgId: string; taskId: string; deletedAt: Date },
): Promise<string[]> {
  const result = await db.execute(sql`
    with recursive subtree (id) as (
      select id from tasks where org_id = ${params.orgId} and id = ${params.taskId} and deleted_at is null
      union
      select t.id from tasks t join subtree s on t.parent_id = s.id
       where t.org_id = ${params.orgId} and t.deleted_at is null
    )
    update tasks set deleted_at = ${params.deletedAt.toISOString()}, updated_at = ${params.deletedAt.toISOString()}
     where org_id = ${params.orgId} and id in (select id from subtree)
    returning id
  `);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}
