import { index, inet, jsonb, pgPolicy, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { APP_ROLE, createdAt, currentOrgMatches, id } from './columns';
import { organizations } from './organizations';

/**
 * Who changed what, when, in which org, with the before/after state. Append-only: the app role
 * may insert and read but never update or delete (grants in the migration after this table).
 * `orgId` is null for platform actions (a super-admin suspending an org is logged in that org).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: id(),
    orgId: uuid('org_id').references(() => organizations.id, { onDelete: 'cascade' }),
    actorUserId: uuid('actor_user_id'),
    actorType: text('actor_type', { enum: ['user', 'superadmin', 'device', 'system'] }).notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    ip: inet('ip'),
    createdAt: createdAt(),
  },
  (table) => [
    // Serves the audit-log listing: newest first within an org, cursor on id (UUIDv7 = time order).
    index('audit_log_org_id_idx').on(table.orgId, table.id.desc()),
    index('audit_log_org_entity_idx').on(table.orgId, table.entityType, table.entityId),
    pgPolicy('audit_log_tenant_isolation', {
      for: 'all',
      to: APP_ROLE,
      using: currentOrgMatches(),
      withCheck: currentOrgMatches(),
    }),
  ],
).enableRLS();
