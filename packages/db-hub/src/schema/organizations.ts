import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  date,
  jsonb,
  pgPolicy,
  pgTable,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { APP_ROLE, createdAt, currentOrgMatches, id, updatedAt } from './columns';

export interface PeriodHistoryEntry {
  /** Last date (inclusive) this setting cut. */
  until: string;
  frequency: 'weekly' | 'biweekly' | 'semimonthly' | 'monthly';
  weekStart: number;
  /** Biweekly phase, resolved (never null here). */
  anchorDate: string;
}

export const organizations = pgTable(
  'organizations',
  {
    id: id(),
    name: text('name').notNull(),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** ISO weekday the work week starts on: 1 = Monday … 7 = Sunday. */
    weekStart: smallint('week_start').notNull().default(1),
    locale: text('locale').notNull().default('en'),
    /** Timesheet period length (timekeeping's PeriodFrequency). */
    periodFrequency: text('period_frequency', { enum: ['weekly', 'biweekly', 'semimonthly', 'monthly'] })
      .notNull()
      .default('biweekly'),
    /** Biweekly: a date on which a period starts (fixes the two-week phase). */
    periodAnchorDate: date('period_anchor_date'),
    /**
     * Earlier period settings, oldest first: each cut the dates up to its `until` (inclusive), starting
     * the day after the one before; the current setting cuts the dates after the last. Written when
     * the period setting changes, so timesheets already submitted keep their dates.
     */
    periodHistory: jsonb('period_history').$type<PeriodHistoryEntry[]>().notNull().default([]),
    /** Face embedder for enrollment and kiosks (`fr_feature` default; `faceres` clean provenance). */
    faceModel: text('face_model', { enum: ['fr_feature', 'faceres'] })
      .notNull()
      .default('fr_feature'),
    /** The photo and screen attack check: `off`, `warn` (punch kept, flagged) or `block`. */
    attackCheckMode: text('attack_check_mode', { enum: ['off', 'warn', 'block'] })
      .notNull()
      .default('warn'),
    /** Keep enrollment photos (encrypted) so templates can be rebuilt after a model change. */
    keepEnrollmentPhotos: boolean('keep_enrollment_photos').notNull().default(false),
    status: text('status', { enum: ['active', 'suspended'] })
      .notNull()
      .default('active'),
    suspendedAt: timestamp('suspended_at', { withTimezone: true }),
    suspendedReason: text('suspended_reason'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    check('organizations_week_start_range', sql`${table.weekStart} between 1 and 7`),
    // Inside a request scope an org sees only its own row; signup and the platform admin work
    // outside any scope (see withOrgScope).
    pgPolicy('organizations_tenant_isolation', {
      for: 'all',
      to: APP_ROLE,
      using: currentOrgMatches('id'),
      withCheck: currentOrgMatches('id'),
    }),
  ],
).enableRLS();
