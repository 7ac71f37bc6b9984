/** @module Row → API shape. Only these functions decide what leaves the hub: never spread a row into a response. */
import type {
  AuditEntryRow,
  CustomRoleRow,
  DepartmentRow,
  InvitationRow,
  OrganizationRow,
  SessionRow,
  SiteRow,
  UserRow,
} from '@clockface/db-hub/queries';

export const toUser = (user: UserRow) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  isSuperadmin: user.isSuperadmin,
  createdAt: user.createdAt.toISOString(),
});

export const toOrganization = (org: OrganizationRow) => ({
  id: org.id,
  name: org.name,
  timeZone: org.timeZone,
  weekStart: org.weekStart,
  locale: org.locale,
  periodFrequency: org.periodFrequency,
  periodAnchorDate: org.periodAnchorDate,
  status: org.status,
  createdAt: org.createdAt.toISOString(),
});

export const toSession = (session: SessionRow, currentSessionId: string) => ({
  id: session.id,
  userAgent: session.userAgent,
  ip: session.ip,
  createdAt: session.createdAt.toISOString(),
  lastUsedAt: session.lastUsedAt.toISOString(),
  expiresAt: session.expiresAt.toISOString(),
  current: session.id === currentSessionId,
});

export const toCustomRole = (role: CustomRoleRow) => ({
  id: role.id,
  name: role.name,
  description: role.description,
  permissions: role.permissions as never[],
  createdAt: role.createdAt.toISOString(),
});

export function toInvitation(invitation: InvitationRow, now: Date) {
  const status = invitation.acceptedAt
    ? ('accepted' as const)
    : invitation.revokedAt
      ? ('revoked' as const)
      : invitation.expiresAt <= now
        ? ('expired' as const)
        : ('pending' as const);
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    customRoleId: invitation.customRoleId,
    status,
    expiresAt: invitation.expiresAt.toISOString(),
    createdAt: invitation.createdAt.toISOString(),
  };
}

export const toDepartment = (department: DepartmentRow) => ({
  id: department.id,
  parentId: department.parentId,
  name: department.name,
  code: department.code,
  managerUserId: department.managerUserId,
  createdAt: department.createdAt.toISOString(),
  updatedAt: department.updatedAt.toISOString(),
});

/**
 * The site list is written as JSON by Postgres instead (`listSitesJson` in db-hub, the same fields,
 * order and formats):
 * test/integration/structure-sites.int.test.ts holds the two to the same output.
 */
export const toSite = (site: SiteRow, orgTimeZone: string) => ({
  id: site.id,
  name: site.name,
  timeZone: site.timeZone,
  effectiveTimeZone: site.timeZone ?? orgTimeZone,
  address: site.address,
  createdAt: site.createdAt.toISOString(),
  updatedAt: site.updatedAt.toISOString(),
});

export const toAuditEntry = (entry: AuditEntryRow) => ({
  id: entry.id,
  actorUserId: entry.actorUserId,
  actorType: entry.actorType,
  action: entry.action,
  entityType: entry.entityType,
  entityId: entry.entityId,
  before: entry.before ?? null,
  after: entry.after ?? null,
  requestId: entry.requestId,
  createdAt: entry.createdAt.toISOString(),
});
