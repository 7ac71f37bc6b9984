/**
 * AUTHZ-01: a route × role matrix built from the live router. Every org-scoped route must be listed
 * here with the permission it needs, so a new route fails this test until someone decides who may
 * call it (deny by default). Each role is then checked against every route.
 */
import { BUILT_IN_ROLE_PERMISSIONS, type TBuiltInRole, type TPermission } from '@clockface/contracts/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, readMailToken, signUpOwner, type TestHub } from '../helpers/test-hub';

/** `member` = any member of the org may call it. */
const MATRIX: Record<string, TPermission | 'member'> = {
  'GET /api/orgs/:orgId': 'member',
  'PATCH /api/orgs/:orgId': 'org.update',
  'GET /api/orgs/:orgId/members': 'members.read',
  'PATCH /api/orgs/:orgId/members/:userId': 'members.write',
  'DELETE /api/orgs/:orgId/members/:userId': 'members.write',
  'GET /api/orgs/:orgId/roles': 'members.read',
  'POST /api/orgs/:orgId/roles': 'roles.write',
  'PATCH /api/orgs/:orgId/roles/:roleId': 'roles.write',
  'DELETE /api/orgs/:orgId/roles/:roleId': 'roles.write',
  'GET /api/orgs/:orgId/audit-log': 'audit.read',
  'GET /api/orgs/:orgId/invitations': 'invitations.write',
  'POST /api/orgs/:orgId/invitations': 'invitations.write',
  'DELETE /api/orgs/:orgId/invitations/:invitationId': 'invitations.write',
  'GET /api/orgs/:orgId/departments': 'departments.read',
  'POST /api/orgs/:orgId/departments': 'departments.write',
  'GET /api/orgs/:orgId/departments/:departmentId': 'departments.read',
  'PATCH /api/orgs/:orgId/departments/:departmentId': 'departments.write',
  'DELETE /api/orgs/:orgId/departments/:departmentId': 'departments.write',
  'GET /api/orgs/:orgId/sites': 'sites.read',
  'POST /api/orgs/:orgId/sites': 'sites.write',
  'GET /api/orgs/:orgId/sites/:siteId': 'sites.read',
  'PATCH /api/orgs/:orgId/sites/:siteId': 'sites.write',
  'DELETE /api/orgs/:orgId/sites/:siteId': 'sites.write',
  'GET /api/orgs/:orgId/employees': 'employees.read',
  'POST /api/orgs/:orgId/employees': 'employees.write',
  'GET /api/orgs/:orgId/employees/:employeeId': 'employees.read',
  'PATCH /api/orgs/:orgId/employees/:employeeId': 'employees.write',
  'POST /api/orgs/:orgId/employees/:employeeId/terminate': 'employees.write',
  'POST /api/orgs/:orgId/employees/:employeeId/rehire': 'employees.write',
  'DELETE /api/orgs/:orgId/employees/:employeeId': 'employees.write',
  'POST /api/orgs/:orgId/enrollment-tokens': 'devices.write',
  'GET /api/orgs/:orgId/enrollment-tokens': 'devices.read',
  'POST /api/orgs/:orgId/enrollment-tokens/:tokenId/revoke': 'devices.write',
  'GET /api/orgs/:orgId/devices': 'devices.read',
  'GET /api/orgs/:orgId/devices/:deviceId': 'devices.read',
  'PATCH /api/orgs/:orgId/devices/:deviceId': 'devices.write',
  'POST /api/orgs/:orgId/devices/:deviceId/revoke': 'devices.write',
  // Projected time: any member; the employee scope (self, managed people, org) is checked in the service.
  'GET /api/orgs/:orgId/time/days': 'member',
  'GET /api/orgs/:orgId/time/entries': 'member',
  'GET /api/orgs/:orgId/time/exceptions': 'member',
  'GET /api/orgs/:orgId/employees/:employeeId/time': 'member',
  // The web clock of the employee linked to the caller's account.
  'GET /api/orgs/:orgId/me/clock': 'member',
  'POST /api/orgs/:orgId/me/clock': 'member',
  'POST /api/orgs/:orgId/employees/:employeeId/adjustments': 'time.write',
  // Employees read their own corrections and timesheets; scope is checked in the service.
  'GET /api/orgs/:orgId/employees/:employeeId/adjustments': 'member',
  'POST /api/orgs/:orgId/me/modification-requests': 'member',
  'GET /api/orgs/:orgId/me/modification-requests': 'member',
  'POST /api/orgs/:orgId/me/modification-requests/:requestId/cancel': 'member',
  'GET /api/orgs/:orgId/modification-requests': 'time.approve',
  'POST /api/orgs/:orgId/modification-requests/:requestId/approve': 'time.approve',
  'POST /api/orgs/:orgId/modification-requests/:requestId/reject': 'time.approve',
  'GET /api/orgs/:orgId/timesheets': 'time.read',
  'POST /api/orgs/:orgId/timesheets/lock': 'timesheets.lock',
  'GET /api/orgs/:orgId/employees/:employeeId/timesheets/:periodStart': 'member',
  // The employee submits their own; an approver anyone's in scope (checked in the service).
  'POST /api/orgs/:orgId/employees/:employeeId/timesheets/:periodStart/submit': 'member',
  'POST /api/orgs/:orgId/employees/:employeeId/timesheets/:periodStart/approve': 'time.approve',
  'POST /api/orgs/:orgId/employees/:employeeId/timesheets/:periodStart/lock': 'timesheets.lock',
  'POST /api/orgs/:orgId/employees/:employeeId/timesheets/:periodStart/reopen': 'time.approve',
  'POST /api/orgs/:orgId/employees/:employeeId/timesheets/:periodStart/unlock': 'timesheets.lock',
  // Schedules, time policies, teams and projects (issue 3: workforce model).
  'GET /api/orgs/:orgId/shift-templates': 'schedules.read',
  'GET /api/orgs/:orgId/shift-templates/:shiftTemplateId': 'schedules.read',
  'GET /api/orgs/:orgId/shift-patterns': 'schedules.read',
  'GET /api/orgs/:orgId/shift-patterns/:shiftPatternId': 'schedules.read',
  'GET /api/orgs/:orgId/shift-assignments': 'schedules.read',
  'GET /api/orgs/:orgId/time-policies': 'schedules.read',
  'GET /api/orgs/:orgId/time-policies/org': 'schedules.read',
  'GET /api/orgs/:orgId/sites/:siteId/time-policy': 'schedules.read',
  'GET /api/orgs/:orgId/employees/:employeeId/time-policy': 'schedules.read',
  'POST /api/orgs/:orgId/shift-templates': 'schedules.write',
  'PATCH /api/orgs/:orgId/shift-templates/:shiftTemplateId': 'schedules.write',
  'DELETE /api/orgs/:orgId/shift-templates/:shiftTemplateId': 'schedules.write',
  'POST /api/orgs/:orgId/shift-patterns': 'schedules.write',
  'PATCH /api/orgs/:orgId/shift-patterns/:shiftPatternId': 'schedules.write',
  'DELETE /api/orgs/:orgId/shift-patterns/:shiftPatternId': 'schedules.write',
  'POST /api/orgs/:orgId/shift-assignments': 'schedules.write',
  'DELETE /api/orgs/:orgId/shift-assignments/:shiftAssignmentId': 'schedules.write',
  'GET /api/orgs/:orgId/employees/:employeeId/schedule': 'member',
  'GET /api/orgs/:orgId/employees/:employeeId/time-rules': 'member',
  'PUT /api/orgs/:orgId/time-policies/org': 'policies.write',
  'PUT /api/orgs/:orgId/sites/:siteId/time-policy': 'policies.write',
  'DELETE /api/orgs/:orgId/sites/:siteId/time-policy': 'policies.write',
  'PUT /api/orgs/:orgId/employees/:employeeId/time-policy': 'policies.write',
  'DELETE /api/orgs/:orgId/employees/:employeeId/time-policy': 'policies.write',
  'GET /api/orgs/:orgId/teams': 'teams.read',
  'GET /api/orgs/:orgId/teams/:teamId': 'teams.read',
  'GET /api/orgs/:orgId/teams/:teamId/members': 'teams.read',
  'POST /api/orgs/:orgId/teams': 'teams.write',
  'PATCH /api/orgs/:orgId/teams/:teamId': 'teams.write',
  'DELETE /api/orgs/:orgId/teams/:teamId': 'teams.write',
  'POST /api/orgs/:orgId/teams/:teamId/members': 'teams.write',
  'PATCH /api/orgs/:orgId/teams/:teamId/members/:employeeId': 'teams.write',
  'DELETE /api/orgs/:orgId/teams/:teamId/members/:employeeId': 'teams.write',
  'GET /api/orgs/:orgId/clients': 'projects.read',
  'GET /api/orgs/:orgId/clients/:clientId': 'projects.read',
  'GET /api/orgs/:orgId/project-categories': 'projects.read',
  'GET /api/orgs/:orgId/project-categories/:categoryId': 'projects.read',
  'GET /api/orgs/:orgId/projects': 'projects.read',
  'GET /api/orgs/:orgId/projects/:projectId': 'projects.read',
  'GET /api/orgs/:orgId/projects/:projectId/members': 'projects.read',
  'GET /api/orgs/:orgId/projects/:projectId/tasks': 'projects.read',
  'GET /api/orgs/:orgId/projects/:projectId/tasks/:taskId': 'projects.read',
  'POST /api/orgs/:orgId/clients': 'projects.write',
  'PATCH /api/orgs/:orgId/clients/:clientId': 'projects.write',
  'DELETE /api/orgs/:orgId/clients/:clientId': 'projects.write',
  'POST /api/orgs/:orgId/project-categories': 'projects.write',
  'PATCH /api/orgs/:orgId/project-categories/:categoryId': 'projects.write',
  'DELETE /api/orgs/:orgId/project-categories/:categoryId': 'projects.write',
  'POST /api/orgs/:orgId/projects': 'projects.write',
  'PATCH /api/orgs/:orgId/projects/:projectId': 'projects.write',
  'DELETE /api/orgs/:orgId/projects/:projectId': 'projects.write',
  'POST /api/orgs/:orgId/projects/:projectId/members': 'projects.write',
  'PATCH /api/orgs/:orgId/projects/:projectId/members/:employeeId': 'projects.write',
  'DELETE /api/orgs/:orgId/projects/:projectId/members/:employeeId': 'projects.write',
  'POST /api/orgs/:orgId/projects/:projectId/tasks': 'projects.write',
  'PATCH /api/orgs/:orgId/projects/:projectId/tasks/:taskId': 'projects.write',
  'DELETE /api/orgs/:orgId/projects/:projectId/tasks/:taskId': 'projects.write',
  'GET /api/orgs/:orgId/leave-types': 'member',
  'POST /api/orgs/:orgId/leave-types': 'leave.write',
  'PATCH /api/orgs/:orgId/leave-types/:leaveTypeId': 'leave.write',
  'DELETE /api/orgs/:orgId/leave-types/:leaveTypeId': 'leave.write',
  'GET /api/orgs/:orgId/leave-requests': 'leave.read',
  'POST /api/orgs/:orgId/leave-requests': 'leave.approve',
  // Own requests, or those in the caller's scope (checked in the service).
  'GET /api/orgs/:orgId/leave-requests/:leaveRequestId': 'member',
  'POST /api/orgs/:orgId/leave-requests/:leaveRequestId/approve': 'leave.approve',
  'POST /api/orgs/:orgId/leave-requests/:leaveRequestId/reject': 'leave.approve',
  // The requester withdraws; an approver cancels approved leave (checked in the service).
  'POST /api/orgs/:orgId/leave-requests/:leaveRequestId/cancel': 'member',
  'GET /api/orgs/:orgId/me/leave-requests': 'member',
  'POST /api/orgs/:orgId/me/leave-requests': 'member',
  'GET /api/orgs/:orgId/me/leave-balances': 'member',
  'GET /api/orgs/:orgId/employees/:employeeId/leave-balances': 'leave.read',
  'GET /api/orgs/:orgId/employees/:employeeId/leave-ledger': 'leave.read',
  'POST /api/orgs/:orgId/employees/:employeeId/leave-adjustments': 'leave.write',
  'GET /api/orgs/:orgId/reports/hours': 'reports.read',
  'GET /api/orgs/:orgId/reports/overtime': 'reports.read',
  'GET /api/orgs/:orgId/reports/attendance': 'reports.read',
  'GET /api/orgs/:orgId/reports/who-is-in': 'reports.read',
  'GET /api/orgs/:orgId/exports/payroll': 'reports.export',
  'GET /api/orgs/:orgId/exports/punches': 'reports.export',
  'GET /api/orgs/:orgId/employees/:employeeId/face-consent': 'faces.read',
  'POST /api/orgs/:orgId/employees/:employeeId/face-consent': 'faces.write',
  'DELETE /api/orgs/:orgId/employees/:employeeId/face-consent': 'faces.write',
  'GET /api/orgs/:orgId/employees/:employeeId/face-templates': 'faces.read',
  'POST /api/orgs/:orgId/employees/:employeeId/face-templates': 'faces.write',
  'DELETE /api/orgs/:orgId/employees/:employeeId/face-templates': 'faces.write',
  'DELETE /api/orgs/:orgId/employees/:employeeId/face-templates/:templateId': 'faces.write',
  'GET /api/orgs/:orgId/face-settings': 'faces.read',
  'PATCH /api/orgs/:orgId/face-settings': 'faces.write',
};

let hub: TestHub;
let owner: Awaited<ReturnType<typeof signUpOwner>>;
const tokens: Partial<Record<TBuiltInRole, string>> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  hub = await createTestHub();
  owner = await signUpOwner(hub);
  tokens.owner = owner.accessToken;
  const as = (method: string, path: string, body?: unknown) =>
    hub.request(method, `/api/orgs/${owner.orgId}${path}`, { token: owner.accessToken, body });
  for (const role of ['admin', 'manager', 'employee'] as const) {
    const email = `${role}.matrix@example.com`;
    await as('POST', '/invitations', { email, role });
    const token = await readMailToken(hub, email, 'invitation');
    const accepted = await hub.request('POST', '/api/invitations/accept', {
      body: { token, name: role, password: 'matrix passphrase 1' },
    });
    tokens[role] = accepted.body.tokens.accessToken;
    // Member routes are probed on the employee: changing an owner is an owner-only rule of its own.
    if (role === 'employee') ids.userId = accepted.body.userId;
  }
  ids.orgId = owner.orgId;
  ids.departmentId = (await as('POST', '/departments', { name: 'Matrix dept' })).body.id;
  ids.siteId = (await as('POST', '/sites', { name: 'Matrix site' })).body.id;
  ids.roleId = (await as('POST', '/roles', { name: 'Matrix role', permissions: [] })).body.id;
  ids.invitationId = (
    await as('POST', '/invitations', { email: 'pending.matrix@example.com', role: 'employee' })
  ).body.id;
  ids.employeeId = (await as('POST', '/employees', { code: 'M-1', name: 'Matrix Employee' })).body.id;
  // Ids that need no real object: an allowed call may answer 404, which is not a permission failure.
  ids.tokenId = '0190a000-0000-7000-8000-0000000000aa';
  ids.deviceId = '0190a000-0000-7000-8000-0000000000bb';
  ids.requestId = '0190a000-0000-7000-8000-0000000000ee';
  // A biweekly period start for the default anchor (2024-01-01).
  ids.periodStart = '2026-11-02';
  for (const [name, suffix] of [
    ['shiftTemplateId', 'c1'],
    ['shiftPatternId', 'c2'],
    ['shiftAssignmentId', 'c3'],
    ['teamId', 'c4'],
    ['clientId', 'c5'],
    ['categoryId', 'c6'],
    ['projectId', 'c7'],
    ['taskId', 'c8'],
  ] as const)
    ids[name] = `0190a000-0000-7000-8000-0000000000${suffix}`;
  ids.leaveTypeId = '0190a000-0000-7000-8000-0000000000cc';
  ids.leaveRequestId = '0190a000-0000-7000-8000-0000000000dd';
  ids.templateId = '0190a000-0000-7000-8000-0000000000cc';
});
afterAll(async () => {
  await hub?.close();
});

function orgRoutes() {
  const keys = new Set<string>();
  for (const route of hub.runtime.app.routes) {
    if (route.method !== 'ALL' && route.path.startsWith('/api/orgs/:orgId'))
      keys.add(`${route.method} ${route.path}`);
  }
  return [...keys];
}

let probeCount = 0;

/** A body that passes validation, so only authorisation can refuse the call. */
function probeBody(method: string, path: string): unknown {
  if (method === 'GET' || method === 'DELETE') return undefined;
  if (path.endsWith('/members/:userId')) return { role: 'manager' };
  if (path.endsWith('/roles') || path.endsWith('/roles/:roleId'))
    return { name: `Probe ${++probeCount}`, permissions: [] };
  if (path.endsWith('/invitations')) return { email: `probe.${Date.now()}@example.com`, role: 'employee' };
  if (path.endsWith('/terminate')) return { terminationDate: '2026-12-31' };
  if (path.endsWith('/rehire')) return { hireDate: '2027-01-04' };
  if (path.endsWith('/employees')) return { code: `P-${Date.now()}`, name: 'Probe' };
  if (path.endsWith('/enrollment-tokens')) return { siteId: ids.siteId, expiresInHours: 24, maxUses: 1 };
  if (path.endsWith('/revoke')) return {};
  if (path.endsWith('/adjustments'))
    return {
      kind: 'manual_entry',
      start: '2026-03-02T09:00:00Z',
      end: '2026-03-02T10:00:00Z',
      reason: 'Probe',
    };
  if (path.endsWith('/me/modification-requests'))
    return { action: 'delete', targetId: ids.requestId, reason: 'Probe' };
  if (path.endsWith('/modification-requests/:requestId/reject')) return { note: 'Probe' };
  if (path.endsWith('/timesheets/lock')) return { periodStart: ids.periodStart };
  if (
    /\/(modification-requests\/:requestId|timesheets\/:periodStart)\/(approve|cancel|submit|lock)$/.test(path)
  )
    return {};
  if (/\/timesheets\/:periodStart\/(reopen|unlock)$/.test(path)) return { reason: 'Probe' };
  if (path.includes('/shift-templates')) return { name: 'Probe', startTime: '09:00', endTime: '17:00' };
  if (path.endsWith('/shift-patterns'))
    return {
      employeeId: ids.employeeId,
      shiftTemplateId: ids.shiftTemplateId,
      weekdays: [1],
      effectiveFrom: '2026-01-05',
    };
  if (path.endsWith('/shift-patterns/:shiftPatternId')) return { weekdays: [1] };
  if (path.endsWith('/shift-assignments'))
    return { kind: 'day_off', employeeId: ids.employeeId, workDate: '2026-01-06' };
  if (path.endsWith('/time-policy') || path.endsWith('/time-policies/org')) return {};
  if (/\/(teams|projects)\/:\w+\/members$/.test(path)) return { employeeId: ids.employeeId };
  if (path.endsWith('/teams/:teamId/members/:employeeId')) return { allocationPercent: 50 };
  if (path.endsWith('/projects/:projectId/members/:employeeId')) return { role: 'lead' };
  if (path.endsWith('/me/leave-requests'))
    return { leaveTypeId: ids.leaveTypeId, startDate: '2026-06-01', endDate: '2026-06-01' };
  if (path.endsWith('/leave-requests'))
    return {
      employeeId: ids.employeeId,
      leaveTypeId: ids.leaveTypeId,
      startDate: '2026-06-01',
      endDate: '2026-06-01',
    };
  if (path.endsWith('/leave-requests/:leaveRequestId/reject')) return { note: 'Probe' };
  if (path.includes('/leave-requests/:leaveRequestId/')) return {};
  if (path.endsWith('/leave-adjustments'))
    return { leaveTypeId: ids.leaveTypeId, minutes: 60, note: 'Probe' };
  if (path.endsWith('/face-consent'))
    return { textVersion: 'v1', text: 'Probe consent text', method: 'in_person' };
  // Not an image: an allowed caller gets a consent conflict or per-photo verdicts, never a stored template.
  if (path.endsWith('/face-templates')) return { photos: [{ data: 'cHJvYmU=' }] };
  if (path.endsWith('/face-settings')) return { attackCheckMode: 'warn' };
  return { name: 'Probe' };
}

describe('route × role matrix', () => {
  it('lists every org-scoped route (new routes are denied by default until added here)', () => {
    const missing = orgRoutes().filter((route) => !(route in MATRIX));
    expect(missing).toEqual([]);
    const stale = Object.keys(MATRIX).filter((route) => !orgRoutes().includes(route));
    expect(stale).toEqual([]);
  });

  it.each(['employee', 'manager', 'admin', 'owner'] as const)(
    '%s gets exactly the routes its permissions allow',
    async (role) => {
      const granted = new Set<string>(BUILT_IN_ROLE_PERMISSIONS[role]);
      // Destructive calls last, so they do not remove what other probes use.
      const routes = orgRoutes().sort(
        (a, b) => Number(a.startsWith('DELETE')) - Number(b.startsWith('DELETE')),
      );
      const wrong: string[] = [];
      for (const route of routes) {
        const [method, path] = route.split(' ') as [string, string];
        const url = path.replace(/:(\w+)/g, (_m, name: string) => ids[name]!);
        const response = await hub.request(method, url, {
          token: tokens[role]!,
          body: probeBody(method, path),
        });
        const needed = MATRIX[route]!;
        const allowed = needed === 'member' || granted.has(needed);
        const refused = response.status === 403 && response.body?.code === 'FORBIDDEN';
        if (allowed === refused || response.status === 401 || response.status >= 500) {
          wrong.push(`${route}: ${response.status} (${allowed ? 'should be allowed' : 'should be 403'})`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it('anonymous callers get 401 on every org-scoped route', async () => {
    for (const route of orgRoutes()) {
      const [method, path] = route.split(' ') as [string, string];
      const response = await hub.request(
        method,
        path.replace(/:(\w+)/g, (_m, name: string) => ids[name]!),
        {
          body: probeBody(method, path),
        },
      );
      expect({ route, status: response.status }).toEqual({ route, status: 401 });
    }
  });
});
