import { integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns';

/**
 * Every email the hub sends, written in the same transaction as the change that caused it
 * (outbox pattern) and delivered by a job: through SMTP when configured, otherwise kept here as
 * the dev outbox so that flows work with no mail server.
 */
export const mailOutbox = pgTable('mail_outbox', {
  id: id(),
  orgId: uuid('org_id'),
  to: text('to').notNull(),
  subject: text('subject').notNull(),
  text: text('text').notNull(),
  /** What the message is for (password_reset, invitation, …); tests and the dev outbox filter on it. */
  template: text('template').notNull(),
  /** Data for the template that is safe to keep (never the raw token in production logs). */
  meta: jsonb('meta'),
  createdAt: createdAt(),
  deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  transport: text('transport', { enum: ['smtp', 'dev-outbox'] }),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
});

/** Rate-limiter state (rate-limiter-flexible's Drizzle store): shared by every hub instance. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull().default(0),
  expire: timestamp('expire', { withTimezone: true }),
});
