/**
 * Whose time a console user may see and act on. One rule for every time, leave and report route:
 * - owners, admins and custom roles holding the permission: the whole org (custom roles are made
 *   deliberately by an admin, e.g. "Payroll");
 * - managers holding it: the employees of the departments (and sub-departments) and teams they
 *   manage, plus themselves;
 * - everyone else: only the employee linked to their own account (self-service).
 * Someone outside your scope is answered 404, like another org's data: no existence leak.
 */
import { AppError } from '@clockface/core';
import type { TPermission } from '@clockface/contracts/api';
import type { Database } from '@clockface/db-hub';
import { findEmployeeIdForUser, listManagedEmployeeIds } from '@clockface/db-hub/queries';
import type { OrgMembership } from '../env';

export type EmployeeScope =
  | { kind: 'org'; ownEmployeeId: string | null }
  | { kind: 'employees'; employeeIds: ReadonlySet<string>; ownEmployeeId: string | null };

export async function resolveEmployeeScope(
  tx: Database,
  params: { membership: OrgMembership; userId: string; permission: TPermission },
): Promise<EmployeeScope> {
  const { membership, userId, permission } = params;
  const ownEmployeeId = await findEmployeeIdForUser(tx, { orgId: membership.orgId, userId });
  if (membership.permissions.has(permission) && membership.role !== 'manager') {
    return { kind: 'org', ownEmployeeId };
  }
  const employeeIds = new Set<string>(ownEmployeeId ? [ownEmployeeId] : []);
  if (membership.permissions.has(permission)) {
    for (const id of await listManagedEmployeeIds(tx, { orgId: membership.orgId, userId }))
      employeeIds.add(id);
  }
  return { kind: 'employees', employeeIds, ownEmployeeId };
}

export function canSeeEmployee(scope: EmployeeScope, employeeId: string): boolean {
  return scope.kind === 'org' || scope.employeeIds.has(employeeId);
}

/** Throws 404 NOT_FOUND when the employee is outside the caller's scope. */
export function assertEmployeeInScope(scope: EmployeeScope, employeeId: string): void {
  if (!canSeeEmployee(scope, employeeId)) {
    throw new AppError('NOT_FOUND', { message: 'No such employee in this organization.' });
  }
}

/** For list queries: null means "no filter" (the whole org), else the ids to filter on. */
export function scopeEmployeeFilter(scope: EmployeeScope): string[] | null {
  return scope.kind === 'org' ? null : [...scope.employeeIds];
}
