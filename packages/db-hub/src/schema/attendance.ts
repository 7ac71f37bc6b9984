import { sql } from 'drizzle-orm';
import {
  bigint,
  doublePrecision,
  foreignKey,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { orgScoped } from './memberships';
import { organizations } from './organizations';
import { devices } from './devices';
import { employees } from './employees';
import { users } from './users';

/**
 * Punches, append-only (the app role may insert and read, never update or delete: corrections are
 * new events with `source: 'admin'`, who made them and why). Timesheets are projections of these
 * rows (packages/timekeeping), so everything a projection needs is here: the corrected instant, the
 * raw device time, where it came from and how it was verified.
 */
export const attendanceEvents = pgTable(
  'attendance_events',
  {
    /** The kiosk's UUIDv7 for kiosk punches: the idempotency key of sync (ON CONFLICT (id) DO NOTHING). */
    id: uuid('id').primaryKey(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    employeeId: uuid('employee_id').notNull(),
    /** Set for kiosk punches; null for web, mobile and admin entries. */
    deviceId: uuid('device_id'),
    /** The device's site when the punch arrived (devices can move; the punch stays where it was). */
    siteId: uuid('site_id'),
    /** Per-device sequence (kiosk punches only). */
    seq: bigint('seq', { mode: 'number' }),
    type: text('type', { enum: ['clock_in', 'clock_out', 'break_start', 'break_end'] }).notNull(),
    source: text('source', { enum: ['kiosk', 'web', 'mobile', 'admin'] }).notNull(),
    method: text('method', { enum: ['face', 'pin', 'password', 'admin'] }).notNull(),
    /** When it happened: the device time corrected by the device's measured clock offset. Projections use this. */
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    /** The device wall-clock time exactly as sent (kiosk punches). */
    deviceTime: timestamp('device_time', { withTimezone: true, precision: 3 }),
    /** The offset applied to get occurredAt (hub − device, ms). */
    clockOffsetMs: integer('clock_offset_ms'),
    receivedAt: timestamp('received_at', { withTimezone: true, precision: 3 }).notNull(),
    monotonicMs: bigint('monotonic_ms', { mode: 'number' }),
    runId: uuid('run_id'),
    /** double precision, never real: scores carry ≤ 4 decimals and must re-hash to the same bytes. */
    score: doublePrecision('score'),
    liveness: doublePrecision('liveness'),
    modelId: text('model_id'),
    prevHash: text('prev_hash'),
    hash: text('hash'),
    /** Review flags, e.g. `seq_gap`, `chain_broken`, `device_time_in_future`, `employee_inactive`. */
    flags: text('flags').array().notNull().default([]),
    /** Web clock: the project and task the timer ran on (the projection carries them onto the entry). */
    projectId: uuid('project_id'),
    taskId: uuid('task_id'),
    /** Admin and web entries: who recorded it, and why (corrections). */
    recordedBy: uuid('recorded_by').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason'),
  },
  (table) => [
    // Serves per-employee time ranges (timesheets, "who is in", the kiosk's next action).
    index('attendance_events_employee_time_idx').on(table.orgId, table.employeeId, table.occurredAt),
    // Serves org-wide period projections and exports.
    index('attendance_events_org_time_idx').on(table.orgId, table.occurredAt),
    // Admin punches (corrections) are few among the kiosks' millions: the correction log and the
    // carried corrections a payroll page looks for read them without touching the rest.
    index('attendance_events_admin_idx')
      .on(table.orgId, table.employeeId, table.occurredAt)
      .where(sql`${table.source} = 'admin'`),
    // One event per position in a device's chain; also serves the ingest's neighbour lookups.
    uniqueIndex('attendance_events_device_seq_key')
      .on(table.orgId, table.deviceId, table.seq)
      .where(sql`${table.deviceId} is not null`),
    foreignKey({
      name: 'attendance_events_employee_fk',
      columns: [table.orgId, table.employeeId],
      foreignColumns: [employees.orgId, employees.id],
    }),
    foreignKey({
      name: 'attendance_events_device_fk',
      columns: [table.orgId, table.deviceId],
      foreignColumns: [devices.orgId, devices.id],
    }),
    orgScoped('attendance_events'),
  ],
).enableRLS();
