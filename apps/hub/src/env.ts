import type { Clock } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
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
}

export interface HubVariables {
  requestId: string;
  log: Logger;
  clientIp: string | null;
  actor: Actor;
  membership: OrgMembership;
  /** Runs work in a transaction confined to the path's org (RLS on). Set by withOrgMember. */
  orgScope: <T>(work: (tx: Database) => Promise<T>) => Promise<T>;
}

export type HubEnv = { Variables: HubVariables };

export type { Clock };
