import { z } from 'zod';
import { ZEmail, ZName, ZTimeZone, ZTimestamp, ZUuid } from './common';
import { ZRole } from './permissions';

/**
 * Password rules (NIST 800-63B / ASVS V2): length only, no composition rules. The upper bound keeps
 * hashing cost bounded; anything in between is hashed as is (no truncation, spaces and emoji allowed).
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
export const ZPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`);

export const ZSignupBody = z
  .object({
    organizationName: ZName,
    name: ZName,
    email: ZEmail,
    password: ZPassword,
    timeZone: ZTimeZone.optional(),
  })
  .strict()
  .meta({ id: 'SignupBody' });

export const ZLoginBody = z
  .object({ email: ZEmail, password: z.string().min(1).max(PASSWORD_MAX_LENGTH) })
  .strict()
  .meta({ id: 'LoginBody' });

export const ZRefreshBody = z
  .object({ refreshToken: z.string().min(1).max(200) })
  .strict()
  .meta({ id: 'RefreshBody' });

export const ZChangePasswordBody = z
  .object({
    currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
    newPassword: ZPassword,
    /** Sign out every other session too (default true, as after any credential change). */
    signOutOtherSessions: z.boolean().default(true),
  })
  .strict()
  .meta({ id: 'ChangePasswordBody' });

export const ZForgotPasswordBody = z.object({ email: ZEmail }).strict().meta({ id: 'ForgotPasswordBody' });
export const ZResetPasswordBody = z
  .object({ token: z.string().min(1).max(200), newPassword: ZPassword })
  .strict()
  .meta({ id: 'ResetPasswordBody' });

export const ZUser = z
  .object({
    id: ZUuid,
    email: z.string(),
    name: z.string(),
    isSuperadmin: z.boolean(),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'User' });
export type TUser = z.infer<typeof ZUser>;

export const ZOrganization = z
  .object({
    id: ZUuid,
    name: z.string(),
    timeZone: z.string(),
    weekStart: z.number().int().min(1).max(7),
    locale: z.string(),
    periodFrequency: z.enum(['weekly', 'biweekly', 'semimonthly', 'monthly']),
    periodAnchorDate: z.iso.date().nullable(),
    status: z.enum(['active', 'suspended']),
    createdAt: ZTimestamp,
  })
  .meta({ id: 'Organization' });
export type TOrganization = z.infer<typeof ZOrganization>;

export const ZMembershipSummary = z
  .object({
    organization: ZOrganization,
    role: ZRole,
    customRoleId: ZUuid.nullable(),
    permissions: z.array(z.string()),
  })
  .meta({ id: 'MembershipSummary' });

export const ZTokenPair = z
  .object({
    accessToken: z.string(),
    accessTokenExpiresAt: ZTimestamp,
    refreshToken: z.string(),
    refreshTokenExpiresAt: ZTimestamp,
    tokenType: z.literal('Bearer'),
  })
  .meta({ id: 'TokenPair' });

export const ZSignupResponse = z
  .object({ user: ZUser, organization: ZOrganization, tokens: ZTokenPair })
  .meta({ id: 'SignupResponse' });
export const ZLoginResponse = z.object({ user: ZUser, tokens: ZTokenPair }).meta({ id: 'LoginResponse' });
export const ZMeResponse = z
  .object({ user: ZUser, memberships: z.array(ZMembershipSummary) })
  .meta({ id: 'MeResponse' });

export const ZSession = z
  .object({
    id: ZUuid,
    userAgent: z.string().nullable(),
    ip: z.string().nullable(),
    createdAt: ZTimestamp,
    lastUsedAt: ZTimestamp,
    expiresAt: ZTimestamp,
    current: z.boolean(),
  })
  .meta({ id: 'Session' });
