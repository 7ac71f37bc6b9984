import { and, asc, eq, isNull, lt } from 'drizzle-orm';
import type { Database } from '../client';
import { mailOutbox } from '../schema/platform';

export type MailRow = typeof mailOutbox.$inferSelect;

export async function enqueueMail(
  db: Database,
  params: {
    orgId?: string | null;
    to: string;
    subject: string;
    text: string;
    template: string;
    meta?: unknown;
  },
): Promise<MailRow> {
  const [row] = await db.insert(mailOutbox).values(params).returning();
  return row!;
}

export async function findMail(db: Database, params: { mailId: string }) {
  const [row] = await db.select().from(mailOutbox).where(eq(mailOutbox.id, params.mailId)).limit(1);
  return row;
}

export async function listUndeliveredMail(db: Database, params: { maxAttempts: number; limit: number }) {
  return db
    .select()
    .from(mailOutbox)
    .where(and(isNull(mailOutbox.deliveredAt), lt(mailOutbox.attempts, params.maxAttempts)))
    .orderBy(asc(mailOutbox.id))
    .limit(params.limit);
}

export async function markMailDelivered(
  db: Database,
  params: { mailId: string; transport: 'smtp' | 'dev-outbox'; now: Date },
) {
  await db
    .update(mailOutbox)
    .set({ deliveredAt: params.now, transport: params.transport })
    .where(and(eq(mailOutbox.id, params.mailId), isNull(mailOutbox.deliveredAt)));
}

export async function recordMailFailure(
  db: Database,
  params: { mailId: string; error: string; attempts: number },
) {
  await db
    .update(mailOutbox)
    .set({ lastError: params.error, attempts: params.attempts })
    .where(eq(mailOutbox.id, params.mailId));
}

/** Newest mail to an address, for the dev outbox page and tests. */
export async function listMailTo(db: Database, params: { to: string }) {
  return db.select().from(mailOutbox).where(eq(mailOutbox.to, params.to)).orderBy(asc(mailOutbox.id));
}
