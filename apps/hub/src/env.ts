import type { Clock } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import type { DeviceRow } from '@clockface/db-hub/queries';
import type { OrganizationRow } from '@clockface/db-hub/queries';
import type { TPermission, TRole } from '@clockface/contracts/api';
import type { Logger } from 'pino';

/** The authenticated console user of this request (set by withUserAuth). */
export interface Actor {
  userId: string;
  sessionId: string;
  email: string;
  name: string;
  isSuperadmin: boolean;
}

/** The caller's membership in the org named in the path (set by withOrgMember). */
export interface OrgMembership {
  orgId: string;
  role: TRole;
  customRoleId: string | null;
  permissions: ReadonlySet<TPermission>;
  /** The org row as read at the start of the request (settings such as the time zone). */
  organization: OrganizationRow;
}

/** What a route may ask of its org scope (the tenancy itself is never optional). */
export interface OrgScopeCallOptions {
  readOnly?: boolean | undefined;
  /** The work sends exactly one statement: COMMIT goes out with it, and a second one is refused. */
  singleStatement?: boolean | undefined;
}

export interface HubVariables {
  requestId: string;
  log: Logger;
  clientIp: string | null;
  actor: Actor;
  membership: OrgMembership;
  /**
   * Runs work in a transaction confined to the path's org (RLS on). Set by withOrgMember. Pass
   * `{ readOnly: true }` when the work only reads: Postgres then refuses any write in it, and the
   * answer does not wait for COMMIT's reply.
   */
  orgScope: <T>(work: (tx: Database) => Promise<T>, options?: OrgScopeCallOptions) => Promise<T>;
  /** The kiosk of this request, from its verified key (set by withDeviceAuth on /api/sync). */
  device: DeviceRow;
}

export type HubEnv = { Variables: HubVariables };

export type { Clock };
