import { z } from 'zod';

/**
 * Every permission a role can hold. Built-in roles map to fixed sets (below); custom roles hold any
 * subset. Routes check exactly one of these through the hub's `withPermission`.
 */
export const PERMISSIONS = [
  'org.update',
  'members.read',
  'members.write',
  'roles.write',
  'invitations.write',
  'departments.read',
  'departments.write',
  'sites.read',
  'sites.write',
  'audit.read',
  'employees.read',
  'employees.write',
  /** See kiosks and their health; list enrollment tokens. */
  'devices.read',
  /** Create and revoke enrollment tokens; rename and revoke kiosks. */
  'devices.write',
  /** Shift templates, weekly patterns and dated assignments; time and compliance policies (read). */
  'schedules.read',
  'schedules.write',
  /** Time and compliance policies (org, site and employee layers). */
  'policies.write',
  'teams.read',
  'teams.write',
  /** Clients, project categories, projects, project members and tasks. */
  'projects.read',
  'projects.write',
  /**
   * Everyone's time (entries, exceptions, timesheets, "who is in"). Without it a user sees only the
   * time of the employee linked to their account; a manager's view is further narrowed to the
   * departments and teams they manage (checked in the service).
   */
  'time.read',
  /** Manual entries and edits of others' time (reason required). */
  'time.write',
  /** Decide modification requests; approve timesheets. */
  'time.approve',
  /** Lock and unlock timesheet periods (unlocking is audited). */
  'timesheets.lock',
  'leave.read',
  /** Leave types and balance adjustments. */
  'leave.write',
  /** Decide leave requests. */
  'leave.approve',
  'reports.read',
  /** CSV and XLSX payroll exports. */
  'reports.export',
  /** See who is enrolled and consent records. */
  'faces.read',
  /** Record consent, enroll and delete face templates. */
  'faces.write',
] as const;
export type TPermission = (typeof PERMISSIONS)[number];
export const ZPermission = z.enum(PERMISSIONS);

export const BUILT_IN_ROLES = ['owner', 'admin', 'manager', 'employee'] as const;
export type TBuiltInRole = (typeof BUILT_IN_ROLES)[number];
export const ZRole = z.enum([...BUILT_IN_ROLES, 'custom']);
export type TRole = z.infer<typeof ZRole>;

const READ_STRUCTURE: TPermission[] = ['members.read', 'departments.read', 'sites.read', 'employees.read'];

/** Owners hold everything; only an owner may make or unmake another owner (checked in the service). */
export const BUILT_IN_ROLE_PERMISSIONS: Record<TBuiltInRole, readonly TPermission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  manager: [
    ...READ_STRUCTURE,
    'audit.read',
    'schedules.read',
    'schedules.write',
    'teams.read',
    'projects.read',
    'time.read',
    'time.write',
    'time.approve',
    'leave.read',
    'leave.approve',
    'reports.read',
    'reports.export',
    'faces.read',
  ],
  employee: ['departments.read', 'sites.read'],
};
