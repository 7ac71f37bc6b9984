/** @module Invitations: an admin invites an email with a role; the invitee accepts with the emailed token. */
import type { TRole } from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import type { Database } from '@clockface/db-hub';
import {
  createInvitation,
  createMembership,
  createUser,
  findCustomRole,
  findMembershipWithOrganization,
  findOrganization,
  findPendingInvitationByTokenHash,
  findUserByEmail,
  listInvitations,
  markInvitationAccepted,
  revokeInvitation,
  listMembers,
} from '@clockface/db-hub/queries';
import type { ActorContext, HubDeps } from '../deps';
import type { OrgMembership } from '../env';
import { assertPasswordAcceptable, hashPassword } from '../security/passwords';
import { createOpaqueToken, hashToken } from '../security/tokens';
import { recordAudit } from './audit.service';
import { login, type ClientInfo } from './auth.service';
import { queueMail } from './mail.service';
import { assertMayAssignRole } from './members.service';
import { toInvitation, toOrganization } from './serializers';

/** Invitations are valid for a week: long enough for a new hire's first days, short enough to limit a leaked link. */
const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export async function inviteMember(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext & { actorUserId: string },
  caller: OrgMembership,
  params: { orgId: string; email: string; role: TRole; customRoleId?: string | undefined },
): Promise<{ invitation: ReturnType<typeof toInvitation>; mailId: string }> {
  assertMayAssignRole(caller, params.role);
  if (
    params.customRoleId &&
    !(await findCustomRole(tx, { orgId: params.orgId, roleId: params.customRoleId }))
  ) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'No such custom role in this organisation',
      issues: [{ path: 'customRoleId', message: 'Unknown role' }],
    });
  }
  const members = await listMembers(tx, { orgId: params.orgId });
  if (members.some(({ user }) => user.email === params.email)) {
    throw new AppError('CONFLICT', {
      message: 'This person is already a member',
      issues: [{ path: 'email', message: 'Already a member' }],
    });
  }
  const organization = (await findOrganization(tx, { orgId: params.orgId }))!;
  const now = deps.clock.now();
  const { token, tokenHash } = createOpaqueToken();
  const invitation = await createInvitation(tx, {
    orgId: params.orgId,
    email: params.email,
    role: params.role,
    customRoleId: params.customRoleId ?? null,
    tokenHash,
    invitedByUserId: actor.actorUserId,
    expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
  });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'invitation.created',
    entityType: 'invitation',
    entityId: invitation.id,
    after: toInvitation(invitation, now),
  });
  const mailId = await queueMail(tx, {
    orgId: params.orgId,
    to: params.email,
    subject: `You are invited to ${organization.name} on Clockface`,
    // The token travels in the fragment, which browsers never send to servers or in Referer headers.
    text: `Hello,\n\nYou have been invited to join ${organization.name} on Clockface as ${params.role}.\nAccept within 7 days: ${deps.config.publicUrl}/accept-invitation#token=${token}\n`,
    template: 'invitation',
  });
  return { invitation: toInvitation(invitation, now), mailId };
}

export async function listOrgInvitations(deps: HubDeps, tx: Database, orgId: string) {
  const now = deps.clock.now();
  return (await listInvitations(tx, { orgId })).map((invitation) => toInvitation(invitation, now));
}

export async function revokeOrgInvitation(
  deps: HubDeps,
  tx: Database,
  actor: ActorContext,
  params: { orgId: string; invitationId: string },
) {
  const revoked = await revokeInvitation(tx, { ...params, now: deps.clock.now() });
  if (!revoked) throw new AppError('NOT_FOUND', { message: 'No pending invitation with this id' });
  await recordAudit(tx, actor, {
    orgId: params.orgId,
    action: 'invitation.revoked',
    entityType: 'invitation',
    entityId: params.invitationId,
  });
}

async function findUsableInvitation(deps: HubDeps, token: string) {
  const found = await findPendingInvitationByTokenHash(deps.db, {
    tokenHash: hashToken(token),
    now: deps.clock.now(),
  });
  if (!found)
    throw new AppError('INVALID_TOKEN', {
      message: 'This invitation is invalid, already used, revoked or expired',
    });
  if (found.organizationStatus === 'suspended') throw new AppError('ORGANIZATION_SUSPENDED');
  return found;
}

export async function previewInvitation(deps: HubDeps, token: string) {
  const { invitation, organizationName } = await findUsableInvitation(deps, token);
  return {
    organizationName,
    email: invitation.email,
    role: invitation.role,
    accountExists: (await findUserByEmail(deps.db, { email: invitation.email })) !== undefined,
    expiresAt: invitation.expiresAt.toISOString(),
  };
}

/**
 * Accepts an invitation. Someone with an account must be logged in as that account (so a leaked link
 * cannot attach a stranger's account); someone without one creates it here with a name and password.
 */
export async function acceptInvitation(
  deps: HubDeps,
  input: { token: string; name?: string | undefined; password?: string | undefined },
  authenticatedUserId: string | null,
  client: ClientInfo,
) {
  const { invitation } = await findUsableInvitation(deps, input.token);
  const existing = await findUserByEmail(deps.db, { email: invitation.email });
  if (existing && authenticatedUserId !== existing.id) {
    throw new AppError(authenticatedUserId ? 'FORBIDDEN' : 'UNAUTHENTICATED', {
      message: `This invitation is for ${invitation.email}: log in as that account to accept it`,
    });
  }
  if (!existing && (!input.name || !input.password)) {
    throw new AppError('VALIDATION_FAILED', {
      message: 'Choose your name and a password to create your account',
      issues: [
        ...(input.name ? [] : [{ path: 'name', message: 'Required' }]),
        ...(input.password ? [] : [{ path: 'password', message: 'Required' }]),
      ],
    });
  }
  if (!existing) assertPasswordAcceptable(input.password!, { email: invitation.email });
  const passwordHash = existing ? null : await hashPassword(input.password!);

  const userId = await deps.db.transaction(async (tx) => {
    const user =
      existing ??
      (await createUser(tx, { email: invitation.email, name: input.name!, passwordHash: passwordHash! }));
    if (
      !(await markInvitationAccepted(tx, {
        invitationId: invitation.id,
        userId: user.id,
        now: deps.clock.now(),
      }))
    ) {
      throw new AppError('INVALID_TOKEN', { message: 'This invitation was already used' });
    }
    if (await findMembershipWithOrganization(tx, { orgId: invitation.orgId, userId: user.id })) {
      throw new AppError('CONFLICT', { message: 'You are already a member of this organisation' });
    }
    await createMembership(tx, {
      orgId: invitation.orgId,
      userId: user.id,
      role: invitation.role,
      customRoleId: invitation.customRoleId,
    });
    await recordAudit(
      tx,
      { actorUserId: user.id, actorType: 'user', requestId: client.requestId, ip: client.ip },
      {
        orgId: invitation.orgId,
        action: 'invitation.accepted',
        entityType: 'member',
        entityId: user.id,
        after: { role: invitation.role, customRoleId: invitation.customRoleId, invitationId: invitation.id },
      },
    );
    return user.id;
  });

  const organization = toOrganization((await findOrganization(deps.db, { orgId: invitation.orgId }))!);
  // A new account is logged in straight away; an existing one already has its session.
  const session = existing
    ? null
    : await login(deps, { email: invitation.email, password: input.password! }, client);
  return { organization, role: invitation.role, userId, tokens: session?.tokens ?? null };
}
