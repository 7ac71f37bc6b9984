import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../client';
import { invitations } from '../schema/invitations';
import { organizations } from '../schema/organizations';

export type InvitationRow = typeof invitations.$inferSelect;

export async function createInvitation(
  db: Database,
  params: Omit<
    typeof invitations.$inferInsert,
    'id' | 'createdAt' | 'acceptedAt' | 'acceptedByUserId' | 'revokedAt'
  >,
): Promise<InvitationRow> {
  const [row] = await db.insert(invitations).values(params).returning();
  return row!;
}

export async function listInvitations(db: Database, params: { orgId: string }): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .where(eq(invitations.orgId, params.orgId))
    .orderBy(desc(invitations.id));
}

export async function findInvitation(db: Database, params: { orgId: string; invitationId: string }) {
  const [row] = await db
    .select()
    .from(invitations)
    .where(and(eq(invitations.orgId, params.orgId), eq(invitations.id, params.invitationId)))
    .limit(1);
  return row;
}

export async function revokeInvitation(
  db: Database,
  params: { orgId: string; invitationId: string; now: Date },
) {
  const [row] = await db
    .update(invitations)
    .set({ revokedAt: params.now })
    .where(
      and(
        eq(invitations.orgId, params.orgId),
        eq(invitations.id, params.invitationId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
      ),
    )
    .returning();
  return row;
}

/** A still-usable invitation by its token hash, with its org's name. Runs outside any org scope. */
export async function findPendingInvitationByTokenHash(
  db: Database,
  params: { tokenHash: string; now: Date },
) {
  const [row] = await db
    .select({
      invitation: invitations,
      organizationName: organizations.name,
      organizationStatus: organizations.status,
    })
    .from(invitations)
    .innerJoin(organizations, eq(organizations.id, invitations.orgId))
    .where(
      and(
        eq(invitations.tokenHash, params.tokenHash),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, params.now),
      ),
    )
    .limit(1);
  return row;
}

/** Claims the invitation once: the conditional update is what makes a token single-use under races. */
export async function markInvitationAccepted(
  db: Database,
  params: { invitationId: string; userId: string; now: Date },
) {
  const rows = await db
    .update(invitations)
    .set({ acceptedAt: params.now, acceptedByUserId: params.userId })
    .where(
      and(
        eq(invitations.id, params.invitationId),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
      ),
    )
    .returning({ id: invitations.id });
  return rows.length > 0;
}
