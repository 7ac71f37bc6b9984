/**
 * @module Clients, project categories, projects, project members and tasks (a tree inside one
 * project). Everything time can point at is soft-deleted: gone from lists, still readable by id.
 */
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  createClient,
  createProject,
  createProjectCategory,
  createProjectMember,
  createTask,
  deleteProjectMember,
  deleteTaskSubtree,
  findClient,
  findEmployee,
  findProject,
  findProjectCategory,
  findProjectMember,
  findTask,
  listClients,
  listProjectCategories,
  listProjectMembers,
  listProjectProgress,
  listProjects,
  listTaskAncestorIds,
  listTasks,
  updateClient,
  updateProject,
  updateProjectCategory,
  updateProjectMember,
  updateTask,
  type ClientRow,
  type ProjectCategoryRow,
  type ProjectMemberRow,
  type ProjectRow,
  type TaskRow,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import { recordAudit } from './audit.service';
import { decodeNameCursor, pageByName } from './schedules.service';

type Issue = { path: string; message: string };
const failWith = (message: string, issues: Issue[]): never => {
  throw new AppError('VALIDATION_FAILED', { message, issues });
};
const definedOnly = <T extends object>(input: T) =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as Partial<T>;
const isUniqueViolation = (error: unknown) =>
  (error as { code?: string })?.code === '23505' ||
  (error as { cause?: { code?: string } })?.cause?.code === '23505';

// ---------------------------------------------------------------------------------------------
// Clients and categories
// ---------------------------------------------------------------------------------------------

export const toClient = (row: ClientRow) => ({
  id: row.id,
  name: row.name,
  email: row.email,
  notes: row.notes,
  isDeleted: row.deletedAt !== null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const toProjectCategory = (row: ProjectCategoryRow) => ({
  id: row.id,
  name: row.name,
  color: row.color,
  isDeleted: row.deletedAt !== null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export async function listOrgClients(
  tx: Database,
  params: { orgId: string; limit: number; cursor?: string | undefined },
) {
  const rows = await listClients(tx, { ...params, after: decodeNameCursor(params.cursor) });
  return pageByName(rows, params.limit, toClient);
}

export async function getOrgClient(tx: Database, orgId: string, clientId: string) {
  const row = await findClient(tx, { orgId, clientId, includeDeleted: true });
  if (!row) throw new AppError('NOT_FOUND', { message: 'No such client' });
  return toClient(row);
}

export async function createOrgClient(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  input: { name: string; email?: string | null | undefined; notes?: string | null | undefined },
) {
  const row = await createClient(tx, { ...definedOnly(input), orgId, name: input.name });
  await recordAudit(tx, actor, {
    orgId,
    action: 'client.created',
    entityType: 'client',
    entityId: row.id,
    after: toClient(row),
  });
  return toClient(row);
}

export async function updateOrgClient(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    clientId: string;
    input: {
      name?: string | undefined;
      email?: string | null | undefined;
      notes?: string | null | undefined;
    };
  },
) {
  const { orgId, clientId } = params;
  const before = await findClient(tx, { orgId, clientId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such client' });
  const after = (await updateClient(tx, { orgId, clientId, changes: definedOnly(params.input) }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'client.updated',
    entityType: 'client',
    entityId: clientId,
    before: toClient(before),
    after: toClient(after),
  });
  return toClient(after);
}

/** Soft delete: its projects keep pointing at it, and reports by client stay right. */
export async function deleteOrgClient(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  clientId: string,
) {
  const before = await findClient(tx, { orgId, clientId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such client' });
  await updateClient(tx, { orgId, clientId, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId,
    action: 'client.deleted',
    entityType: 'client',
    entityId: clientId,
    before: toClient(before),
  });
}

export async function listOrgProjectCategories(
  tx: Database,
  params: { orgId: string; limit: number; cursor?: string | undefined },
) {
  const rows = await listProjectCategories(tx, { ...params, after: decodeNameCursor(params.cursor) });
  return pageByName(rows, params.limit, toProjectCategory);
}

export async function getOrgProjectCategory(tx: Database, orgId: string, categoryId: string) {
  const row = await findProjectCategory(tx, { orgId, categoryId, includeDeleted: true });
  if (!row) throw new AppError('NOT_FOUND', { message: 'No such project category' });
  return toProjectCategory(row);
}

export async function createOrgProjectCategory(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  input: { name: string; color?: string | null | undefined },
) {
  const row = await createProjectCategory(tx, { ...definedOnly(input), orgId, name: input.name });
  await recordAudit(tx, actor, {
    orgId,
    action: 'project_category.created',
    entityType: 'project_category',
    entityId: row.id,
    after: toProjectCategory(row),
  });
  return toProjectCategory(row);
}

export async function updateOrgProjectCategory(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    categoryId: string;
    input: { name?: string | undefined; color?: string | null | undefined };
  },
) {
  const { orgId, categoryId } = params;
  const before = await findProjectCategory(tx, { orgId, categoryId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such project category' });
  const after = (await updateProjectCategory(tx, { orgId, categoryId, changes: definedOnly(params.input) }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'project_category.updated',
    entityType: 'project_category',
    entityId: categoryId,
    before: toProjectCategory(before),
    after: toProjectCategory(after),
  });
  return toProjectCategory(after);
}

export async function deleteOrgProjectCategory(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  categoryId: string,
) {
  const before = await findProjectCategory(tx, { orgId, categoryId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such project category' });
  await updateProjectCategory(tx, { orgId, categoryId, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId,
    action: 'project_category.deleted',
    entityType: 'project_category',
    entityId: categoryId,
    before: toProjectCategory(before),
  });
}

// ---------------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------------

export function toProject(row: ProjectRow, progressPercent: number | null) {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    clientId: row.clientId,
    categoryId: row.categoryId,
    status: row.status,
    startDate: row.startDate,
    endDate: row.endDate,
    budgetMinutes: row.budgetMinutes,
    budgetAmountMinor: row.budgetAmountMinor === null ? null : Number(row.budgetAmountMinor),
    currency: row.currency,
    isBillable: row.isBillable,
    description: row.description,
    progressPercent,
    isDeleted: row.deletedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface ProjectInput {
  name?: string | undefined;
  code?: string | null | undefined;
  clientId?: string | null | undefined;
  categoryId?: string | null | undefined;
  status?: ProjectRow['status'] | undefined;
  startDate?: string | null | undefined;
  endDate?: string | null | undefined;
  budgetMinutes?: number | null | undefined;
  budgetAmountMinor?: number | null | undefined;
  currency?: string | null | undefined;
  isBillable?: boolean | undefined;
  description?: string | null | undefined;
}

/** Checks the project as it will be after the change (`merged`), references only where they change. */
async function assertProjectValid(tx: Database, orgId: string, input: ProjectInput, merged: ProjectInput) {
  const issues: Issue[] = [];
  if (input.clientId && !(await findClient(tx, { orgId, clientId: input.clientId }))) {
    issues.push({ path: 'clientId', message: 'No such client' });
  }
  if (input.categoryId && !(await findProjectCategory(tx, { orgId, categoryId: input.categoryId }))) {
    issues.push({ path: 'categoryId', message: 'No such project category' });
  }
  if (merged.startDate && merged.endDate && merged.endDate < merged.startDate) {
    issues.push({
      path: 'endDate',
      message: `Ends (${merged.endDate}) before it starts (${merged.startDate})`,
    });
  }
  if (merged.budgetAmountMinor != null && !merged.currency) {
    issues.push({ path: 'currency', message: 'Required with a money budget' });
  }
  if (issues.length > 0)
    failWith(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
}

const duplicateProjectCode = (error: unknown): never => {
  if (isUniqueViolation(error)) {
    throw new AppError('CONFLICT', {
      message: 'Another project already has this code',
      issues: [{ path: 'code', message: 'Already in use' }],
    });
  }
  throw error;
};

async function progressOf(tx: Database, orgId: string, projectId: string) {
  return (await listProjectProgress(tx, { orgId, projectIds: [projectId] })).get(projectId) ?? null;
}

export async function listOrgProjects(
  tx: Database,
  params: {
    orgId: string;
    limit: number;
    cursor?: string | undefined;
    status?: ProjectRow['status'] | undefined;
    clientId?: string | undefined;
    categoryId?: string | undefined;
    q?: string | undefined;
  },
) {
  const rows = await listProjects(tx, {
    ...params,
    search: params.q,
    after: decodeNameCursor(params.cursor),
  });
  const progress = await listProjectProgress(tx, {
    orgId: params.orgId,
    projectIds: rows.map((row) => row.id),
  });
  return pageByName(rows, params.limit, (row) => toProject(row, progress.get(row.id) ?? null));
}

export async function getOrgProject(tx: Database, orgId: string, projectId: string) {
  const row = await findProject(tx, { orgId, projectId, includeDeleted: true });
  if (!row) throw new AppError('NOT_FOUND', { message: 'No such project' });
  return toProject(row, await progressOf(tx, orgId, projectId));
}

export async function createOrgProject(
  tx: Database,
  actor: ActorContext,
  orgId: string,
  input: ProjectInput & { name: string },
) {
  await assertProjectValid(tx, orgId, input, input);
  const row = await createProject(tx, { ...definedOnly(input), orgId, name: input.name }).catch(
    duplicateProjectCode,
  );
  await recordAudit(tx, actor, {
    orgId,
    action: 'project.created',
    entityType: 'project',
    entityId: row.id,
    after: toProject(row, null),
  });
  return toProject(row, null);
}

export async function updateOrgProject(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; projectId: string; input: ProjectInput },
) {
  const { orgId, projectId } = params;
  const before = await findProject(tx, { orgId, projectId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such project' });
  const changes = definedOnly(params.input);
  await assertProjectValid(tx, orgId, changes, { ...toProject(before, null), ...changes });
  const after = (await updateProject(tx, { orgId, projectId, changes }).catch(duplicateProjectCode))!;
  const progress = await progressOf(tx, orgId, projectId);
  await recordAudit(tx, actor, {
    orgId,
    action: 'project.updated',
    entityType: 'project',
    entityId: projectId,
    before: toProject(before, progress),
    after: toProject(after, progress),
  });
  return toProject(after, progress);
}

/** Soft delete: time booked on it keeps its project; it leaves lists and the web clock's picker. */
export async function deleteOrgProject(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  orgId: string,
  projectId: string,
) {
  const before = await findProject(tx, { orgId, projectId });
  if (!before) throw new AppError('NOT_FOUND', { message: 'No such project' });
  // The code is free again for a new project (the unique index only covers live projects).
  await updateProject(tx, { orgId, projectId, changes: { deletedAt: deps.clock.now() } });
  await recordAudit(tx, actor, {
    orgId,
    action: 'project.deleted',
    entityType: 'project',
    entityId: projectId,
    before: toProject(before, null),
  });
}

async function getLiveProject(tx: Database, orgId: string, projectId: string) {
  const project = await findProject(tx, { orgId, projectId });
  if (!project) throw new AppError('NOT_FOUND', { message: 'No such project' });
  return project;
}

// ---------------------------------------------------------------------------------------------
// Project members
// ---------------------------------------------------------------------------------------------

export const toProjectMember = (row: ProjectMemberRow, employeeName: string) => ({
  projectId: row.projectId,
  employeeId: row.employeeId,
  employeeName,
  role: row.role,
  hourlyRateMinor: row.hourlyRateMinor === null ? null : Number(row.hourlyRateMinor),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export async function listOrgProjectMembers(tx: Database, orgId: string, projectId: string) {
  await getLiveProject(tx, orgId, projectId);
  const rows = await listProjectMembers(tx, { orgId, projectId });
  return { items: rows.map((row) => toProjectMember(row.member, row.employeeName)) };
}

export async function addOrgProjectMember(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    projectId: string;
    employeeId: string;
    role?: ProjectMemberRow['role'] | undefined;
    hourlyRateMinor?: number | null | undefined;
  },
) {
  const { orgId, projectId, employeeId } = params;
  await getLiveProject(tx, orgId, projectId);
  const employee = await findEmployee(tx, { orgId, employeeId });
  if (!employee)
    failWith('The employee does not exist', [{ path: 'employeeId', message: 'No such employee' }]);
  if (employee!.status === 'terminated') {
    failWith(`${employee!.name} was terminated on ${employee!.terminationDate ?? 'an unknown date'}`, [
      { path: 'employeeId', message: 'Terminated' },
    ]);
  }
  const existing = await findProjectMember(tx, { orgId, projectId, employeeId });
  if (existing && existing.endedOn === null) {
    throw new AppError('CONFLICT', {
      message: 'The employee is already on this project; change the role instead',
      issues: [{ path: 'employeeId', message: 'Already a member' }],
    });
  }
  const role = params.role ?? 'member';
  const hourlyRateMinor = params.hourlyRateMinor ?? null;
  // A membership that ended (at a termination) is made current again rather than duplicated.
  const row = existing
    ? (await updateProjectMember(tx, {
        orgId,
        projectId,
        employeeId,
        changes: { role, hourlyRateMinor, endedOn: null },
      }))!
    : await createProjectMember(tx, { orgId, projectId, employeeId, role, hourlyRateMinor });
  const member = toProjectMember(row, employee!.name);
  await recordAudit(tx, actor, {
    orgId,
    action: 'project.member_added',
    entityType: 'project',
    entityId: projectId,
    ...(existing
      ? { before: { ...toProjectMember(existing, employee!.name), endedOn: existing.endedOn } }
      : {}),
    after: member,
  });
  return member;
}

export async function updateOrgProjectMember(
  tx: Database,
  actor: ActorContext,
  params: {
    orgId: string;
    projectId: string;
    employeeId: string;
    changes: { role?: ProjectMemberRow['role'] | undefined; hourlyRateMinor?: number | null | undefined };
  },
) {
  const { orgId, projectId, employeeId } = params;
  await getLiveProject(tx, orgId, projectId);
  const before = await findProjectMember(tx, { orgId, projectId, employeeId });
  const employee = await findEmployee(tx, { orgId, employeeId, includeDeleted: true });
  if (!before || before.endedOn !== null || !employee)
    throw new AppError('NOT_FOUND', { message: 'The employee is not on this project' });
  const after = (await updateProjectMember(tx, {
    orgId,
    projectId,
    employeeId,
    changes: definedOnly(params.changes),
  }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'project.member_updated',
    entityType: 'project',
    entityId: projectId,
    before: toProjectMember(before, employee.name),
    after: toProjectMember(after, employee.name),
  });
  return toProjectMember(after, employee.name);
}

export async function removeOrgProjectMember(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; projectId: string; employeeId: string },
) {
  await getLiveProject(tx, params.orgId, params.projectId);
  const before = await deleteProjectMember(tx, params);
  if (!before) throw new AppError('NOT_FOUND', { message: 'The employee is not on this project' });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'project.member_removed',
    entityType: 'project',
    entityId: params.projectId,
    before: { employeeId: before.employeeId, role: before.role },
  });
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

export const toTask = (row: TaskRow) => ({
  id: row.id,
  projectId: row.projectId,
  parentId: row.parentId,
  name: row.name,
  description: row.description,
  status: row.status,
  progressPercent: row.progressPercent,
  estimateMinutes: row.estimateMinutes,
  assigneeEmployeeId: row.assigneeEmployeeId,
  dueDate: row.dueDate,
  position: row.position,
  isDeleted: row.deletedAt !== null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export interface TaskInput {
  name?: string | undefined;
  parentId?: string | null | undefined;
  description?: string | null | undefined;
  status?: TaskRow['status'] | undefined;
  progressPercent?: number | undefined;
  estimateMinutes?: number | null | undefined;
  assigneeEmployeeId?: string | null | undefined;
  dueDate?: string | null | undefined;
  position?: number | undefined;
}

/**
 * A parent must be a live task of the same project, and (when moving `taskId`) not the task itself
 * or one of its subtasks, so the tree never gets a cycle.
 */
async function assertTaskReferences(
  tx: Database,
  params: { orgId: string; projectId: string; taskId?: string; input: TaskInput },
) {
  const { orgId, projectId, taskId, input } = params;
  const issues: Issue[] = [];
  if (input.parentId) {
    const parent = await findTask(tx, { orgId, taskId: input.parentId });
    if (!parent) issues.push({ path: 'parentId', message: 'No such task' });
    else if (parent.projectId !== projectId)
      issues.push({ path: 'parentId', message: 'A task of another project' });
    else if (taskId && (await listTaskAncestorIds(tx, { orgId, taskId: parent.id })).includes(taskId)) {
      issues.push({
        path: 'parentId',
        message: 'The task itself or one of its subtasks (would make a cycle)',
      });
    }
  }
  if (
    input.assigneeEmployeeId &&
    !(await findEmployee(tx, { orgId, employeeId: input.assigneeEmployeeId }))
  ) {
    issues.push({ path: 'assigneeEmployeeId', message: 'No such employee' });
  }
  if (issues.length > 0)
    failWith(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
}

export async function listOrgTasks(tx: Database, orgId: string, projectId: string) {
  await getLiveProject(tx, orgId, projectId);
  return { items: (await listTasks(tx, { orgId, projectId })).map(toTask) };
}

/** Tasks are addressed under their project: a task id under another project's path is not found. */
async function getTaskOfProject(
  tx: Database,
  params: { orgId: string; projectId: string; taskId: string; includeDeleted?: boolean },
) {
  const task = await findTask(tx, params);
  if (!task || task.projectId !== params.projectId)
    throw new AppError('NOT_FOUND', { message: 'No such task in this project' });
  return task;
}

export async function getOrgTask(tx: Database, params: { orgId: string; projectId: string; taskId: string }) {
  return toTask(await getTaskOfProject(tx, { ...params, includeDeleted: true }));
}

export async function createOrgTask(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; projectId: string; input: TaskInput & { name: string } },
) {
  const { orgId, projectId, input } = params;
  await getLiveProject(tx, orgId, projectId);
  await assertTaskReferences(tx, { orgId, projectId, input });
  const row = await createTask(tx, { ...definedOnly(input), orgId, projectId, name: input.name });
  await recordAudit(tx, actor, {
    orgId,
    action: 'task.created',
    entityType: 'task',
    entityId: row.id,
    after: toTask(row),
  });
  return toTask(row);
}

export async function updateOrgTask(
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; projectId: string; taskId: string; input: TaskInput },
) {
  const { orgId, projectId, taskId } = params;
  await getLiveProject(tx, orgId, projectId);
  const before = await getTaskOfProject(tx, { orgId, projectId, taskId });
  const changes = definedOnly(params.input);
  await assertTaskReferences(tx, { orgId, projectId, taskId, input: changes });
  const after = (await updateTask(tx, { orgId, taskId, changes }))!;
  await recordAudit(tx, actor, {
    orgId,
    action: 'task.updated',
    entityType: 'task',
    entityId: taskId,
    before: toTask(before),
    after: toTask(after),
  });
  return toTask(after);
}

/** Soft-deletes the task with its whole subtree (a subtask without its parent would be unreachable). */
export async function deleteOrgTask(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; projectId: string; taskId: string },
) {
  const before = await getTaskOfProject(tx, params);
  const deletedIds = await deleteTaskSubtree(tx, {
    orgId: params.orgId,
    taskId: params.taskId,
    deletedAt: deps.clock.now(),
  });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'task.deleted',
    entityType: 'task',
    entityId: params.taskId,
    before: { ...toTask(before), deletedSubtaskIds: deletedIds.filter((id) => id !== params.taskId) },
  });
}
