import { z } from 'zod';
import { ZEmail, ZName, ZPageQuery, ZTimeZone, ZTimestamp, ZUuid } from './common';
import { ZPermission, ZRole } from './permissions';

const ZLocale = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'Expected a locale such as en or de-AT')
  .max(10);

export const ZCreateOrganizationBody = z
  .object({
    name: ZName,
    timeZone: ZTimeZone.optional(),
    weekStart: z.number().int().min(1).max(7).optional(),
    locale: ZLocale.optional(),
  })
  .strict()
  .meta({ id: 'CreateOrganizationBody' });

export const ZUpdateOrganizationBody = z
  .object({
    name: ZName.optional(),
    timeZone: ZTimeZone.optional(),
    weekStart: z.number().int().min(1).max(7).optional(),
    locale: ZLocale.optional(),
    /** Timesheet period length; weekly periods start on `weekStart`. */
    periodFrequency: z.enum(['weekly', 'biweekly', 'semimonthly', 'monthly']).optional(),
    /** Biweekly: any date on which a period starts (fixes the two-week phase). */
    periodAnchorDate: z.iso.date().nullable().optional(),
    periodEffectiveFrom: z.iso
      .date()
      .optional()
      .meta({
        description:
          'When the period setting changes: the first date the new periods cut. Default: the day after the ' +
          'last submitted, approved or locked timesheet ends (those keep their dates; open ones from then on ' +
          'are re-cut). A date on or before the end of such a timesheet is 409.',
      }),
  })
  .strict()
  .meta({ id: 'UpdateOrganizationBody' });

export const ZMember = z
  .object({
    userId: ZUuid,
    name: z.string(),
    email: z.string(),
    role: ZRole,
    customRoleId: ZUuid.nullable(),
    joinedAt: ZTimestamp,
  })
  .meta({ id: 'Member' });

export const ZUpdateMemberBody = z
  .object({ role: ZRole, customRoleId: ZUuid.optional() })
  .strict()
  .refine((body) => (body.role === 'custom') === (body.customRoleId !== undefined), {
    message: 'customRoleId is required exactly when role is "custom"',
    path: ['customRoleId'],
  })
  .meta({ id: 'UpdateMemberBody' });

export const ZCustomRole = z
  .object({
    id: ZUuid,
    name: z.string(),
    description: z.string().nullable(),
    permissions: z.array(ZPermission),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'CustomRole' });

export const ZCreateCustomRoleBody = z
  .object({
    name: ZName,
    description: z.string().trim().max(1000).optional(),
    permissions: z.array(ZPermission).max(100),
  })
  .strict()
  .meta({ id: 'CreateCustomRoleBody' });
export const ZUpdateCustomRoleBody = z
  .object({
    name: ZName.optional(),
    description: z.string().trim().max(1000).nullable().optional(),
    permissions: z.array(ZPermission).max(100).optional(),
  })
  .strict()
  .meta({ id: 'UpdateCustomRoleBody' });

export const ZInvitation = z
  .object({
    id: ZUuid,
    email: z.string(),
    role: ZRole,
    customRoleId: ZUuid.nullable(),
    status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
    expiresAt: ZTimestamp,
    createdAt: ZTimestamp,
  })
  .meta({ id: 'Invitation' });

export const ZCreateInvitationBody = z
  .object({ email: ZEmail, role: ZRole, customRoleId: ZUuid.optional() })
  .strict()
  .refine((body) => (body.role === 'custom') === (body.customRoleId !== undefined), {
    message: 'customRoleId is required exactly when role is "custom"',
    path: ['customRoleId'],
  })
  .meta({ id: 'CreateInvitationBody' });

export const ZInvitationLookupBody = z
  .object({ token: z.string().min(1).max(200) })
  .strict()
  .meta({ id: 'InvitationLookupBody' });
export const ZInvitationPreview = z
  .object({
    organizationName: z.string(),
    email: z.string(),
    role: ZRole,
    accountExists: z.boolean(),
    expiresAt: ZTimestamp,
  })
  .meta({ id: 'InvitationPreview' });

/**
 * Accepting: an invitee without an account sends name + password and gets one; an invitee with an
 * account sends only the token while logged in as that account.
 */
export const ZAcceptInvitationBody = z
  .object({
    token: z.string().min(1).max(200),
    name: ZName.optional(),
    password: z.string().min(12).max(256).optional(),
  })
  .strict()
  .meta({ id: 'AcceptInvitationBody' });

export const ZDepartment = z
  .object({
    id: ZUuid,
    parentId: ZUuid.nullable(),
    name: z.string(),
    code: z.string().nullable(),
    managerUserId: ZUuid.nullable().meta({
      description: 'The member who manages the department (and its sub-departments) and sees their time',
    }),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'Department' });
export const ZCreateDepartmentBody = z
  .object({
    name: ZName,
    parentId: ZUuid.nullable().optional(),
    code: z.string().trim().min(1).max(50).nullable().optional(),
  })
  .strict()
  .meta({ id: 'CreateDepartmentBody' });
export const ZUpdateDepartmentBody = ZCreateDepartmentBody.partial()
  .extend({ managerUserId: ZUuid.nullable().optional() })
  .strict()
  .meta({ id: 'UpdateDepartmentBody' });

export const ZSite = z
  .object({
    id: ZUuid,
    name: z.string(),
    timeZone: z.string().nullable(),
    effectiveTimeZone: z.string().meta({ description: "The site's zone, or the org's when it has none." }),
    address: z.string().nullable(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'Site' });
export const ZCreateSiteBody = z
  .object({
    name: ZName,
    timeZone: ZTimeZone.nullable().optional(),
    address: z.string().trim().max(500).nullable().optional(),
  })
  .strict()
  .meta({ id: 'CreateSiteBody' });
export const ZUpdateSiteBody = ZCreateSiteBody.partial().strict().meta({ id: 'UpdateSiteBody' });

export const ZAuditEntry = z
  .object({
    id: ZUuid,
    actorUserId: ZUuid.nullable(),
    actorType: z.enum(['user', 'superadmin', 'device', 'system']),
    action: z.string(),
    entityType: z.string(),
    entityId: z.string().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    requestId: z.string().nullable(),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'AuditEntry' });
export const ZAuditLogQuery = ZPageQuery.extend({
  cursor: ZUuid.optional(),
  action: z.string().max(100).optional(),
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(100).optional(),
  actorUserId: ZUuid.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const ZSuspendOrganizationBody = z
  .object({ reason: z.string().trim().min(1).max(1000) })
  .strict()
  .meta({ id: 'SuspendOrganizationBody' });
