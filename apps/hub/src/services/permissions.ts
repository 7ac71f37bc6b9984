import {
  BUILT_IN_ROLE_PERMISSIONS,
  PERMISSIONS,
  type TPermission,
  type TRole,
} from '@clockface/contracts/api';

const KNOWN = new Set<string>(PERMISSIONS);

/** What a membership may do: fixed sets for built-in roles, the stored set for a custom role. */
export function permissionsFor(
  role: TRole,
  customPermissions: readonly string[] | null,
): ReadonlySet<TPermission> {
  if (role === 'custom')
    return new Set((customPermissions ?? []).filter((p): p is TPermission => KNOWN.has(p)));
  return new Set(BUILT_IN_ROLE_PERMISSIONS[role]);
}

/** Role rank for "may not grant above your own role": owner > admin > the rest. */
export function roleRank(role: TRole): number {
  return role === 'owner' ? 3 : role === 'admin' ? 2 : 1;
}
