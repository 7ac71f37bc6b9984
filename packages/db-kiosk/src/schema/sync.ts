import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Opaque cursors per stream (`roster`), sent back to the hub unchanged. */
export const syncCursors = sqliteTable('sync_cursors', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** Last sync outcome, for `kiosk-agent status` and the heartbeat (row id 1). */
export const syncStatus = sqliteTable('sync_status', {
  id: integer('id').primaryKey().default(1),
  lastAttemptAt: text('last_attempt_at'),
  lastSuccessAt: text('last_success_at'),
  lastErrorCode: text('last_error_code'),
  lastErrorMessage: text('last_error_message'),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
});

/** Settings pushed by the hub (ZKioskSettings as JSON, row id 1); defaults apply until the first push. */
export const kioskSettings = sqliteTable('kiosk_settings', {
  id: integer('id').primaryKey().default(1),
  settings: text('settings').notNull(),
  receivedAt: text('received_at').notNull(),
});

/** Security events queued for the hub (PIN lockouts, decrypt failures, rejected roster items). */
export const securityEvents = sqliteTable('security_events', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  occurredAt: text('occurred_at').notNull(),
  employeeId: text('employee_id'),
  details: text('details'),
  sentAt: text('sent_at'),
});
