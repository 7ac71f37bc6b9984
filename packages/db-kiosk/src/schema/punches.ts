import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The outbox: every punch, in device sequence, kept after sync (the employee's last punch decides
 * the next action). `seq` is the rowid, so appends are cheap and the chain order is the table order.
 * The columns are exactly the wire event's fields, so the event re-hashes identically when sent.
 * No FK to employees: a punch outlives its employee's tombstone.
 */
export const punches = sqliteTable(
  'punches',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull().unique(),
    deviceId: text('device_id').notNull(),
    employeeId: text('employee_id').notNull(),
    type: text('type', { enum: ['clock_in', 'clock_out', 'break_start', 'break_end'] }).notNull(),
    method: text('method', { enum: ['face', 'pin', 'admin'] }).notNull(),
    deviceTime: text('device_time').notNull(),
    monotonicMs: integer('monotonic_ms').notNull(),
    runId: text('run_id').notNull(),
    score: real('score'),
    liveness: real('liveness'),
    modelId: text('model_id'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    /** pending → synced (accepted/duplicate) | rejected | conflict (kept with the reason, not resent). */
    status: text('status', { enum: ['pending', 'synced', 'rejected', 'conflict'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastErrorCode: text('last_error_code'),
    lastErrorMessage: text('last_error_message'),
    lastAttemptAt: text('last_attempt_at'),
    syncedAt: text('synced_at'),
  },
  (table) => [
    // listPendingPunches: the sync loop reads the oldest pending batch.
    index('punches_status_seq_idx').on(table.status, table.seq),
    // findLastPunchForEmployee: decides the next action and suppresses duplicates.
    index('punches_employee_id_seq_idx').on(table.employeeId, table.seq),
  ],
);
