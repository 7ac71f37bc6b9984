import { z } from 'zod';
import { ZName, ZPageQuery, ZTimestamp, ZUuid } from './common';

const ZPlainDate = z.iso.date();
const ZPhone = z
  .string()
  .trim()
  .regex(/^[+0-9 ()./-]{3,32}$/, 'Expected a phone number');
/** The kiosk keypad PIN: digits only, 4 to 8 of them. Stored as argon2id, never returned. */
export const ZPin = z.string().regex(/^\d{4,8}$/, 'Expected 4 to 8 digits');
const ZEmployeeCode = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._-]+$/, 'Use letters, digits, dot, dash or underscore');

export const EMPLOYMENT_TYPES = ['full_time', 'part_time', 'contractor', 'temporary', 'intern'] as const;

export const ZEmployee = z
  .object({
    id: ZUuid,
    code: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    userId: ZUuid.nullable(),
    departmentId: ZUuid.nullable(),
    homeSiteId: ZUuid.nullable(),
    employmentType: z.enum(EMPLOYMENT_TYPES),
    payType: z.enum(['hourly', 'salaried']),
    hireDate: ZPlainDate.nullable(),
    /** With status `active`: a scheduled termination (the last working day), completed the day after. */
    terminationDate: ZPlainDate.nullable(),
    status: z.enum(['active', 'terminated']),
    hasPin: z.boolean(),
    phone: z.string().nullable(),
    emergencyContactName: z.string().nullable(),
    emergencyContactPhone: z.string().nullable(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'Employee' });
export type TEmployee = z.infer<typeof ZEmployee>;

const employeeFields = {
  code: ZEmployeeCode,
  name: ZName,
  email: z.email().max(254).nullable().optional(),
  userId: ZUuid.nullable().optional(),
  departmentId: ZUuid.nullable().optional(),
  homeSiteId: ZUuid.nullable().optional(),
  employmentType: z.enum(EMPLOYMENT_TYPES).optional(),
  payType: z.enum(['hourly', 'salaried']).optional(),
  hireDate: ZPlainDate.nullable().optional(),
  pin: ZPin.nullable().optional(),
  phone: ZPhone.nullable().optional(),
  emergencyContactName: ZName.nullable().optional(),
  emergencyContactPhone: ZPhone.nullable().optional(),
};

export const ZCreateEmployeeBody = z.object(employeeFields).strict().meta({ id: 'CreateEmployeeBody' });
export const ZUpdateEmployeeBody = z
  .object({ ...employeeFields, code: ZEmployeeCode.optional(), name: ZName.optional() })
  .strict()
  .meta({ id: 'UpdateEmployeeBody' });
/** A date after today (the org's time zone) is scheduled; today or earlier takes effect at once. */
export const ZTerminateEmployeeBody = z
  .object({ terminationDate: ZPlainDate })
  .strict()
  .meta({ id: 'TerminateEmployeeBody' });

/**
 * The new hire date is required: accrual resumes from it (a gap since the termination earns nothing);
 * giving the original hire date undoes a mistaken termination, gap included. On an active employee
 * with a scheduled termination it cancels that termination.
 */
export const ZRehireEmployeeBody = z
  .object({ hireDate: ZPlainDate })
  .strict()
  .meta({ id: 'RehireEmployeeBody' });

export const ZEmployeeListQuery = ZPageQuery.extend({
  status: z.enum(['active', 'terminated']).optional(),
  departmentId: ZUuid.optional(),
  homeSiteId: ZUuid.optional(),
  q: z.string().trim().min(1).max(100).optional(),
});
