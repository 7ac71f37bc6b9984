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
  manager: [...READ_STRUCTURE, 'audit.read'],
  employee: ['departments.read', 'sites.read'],
};
