import { z } from 'zod';
import { ZName, ZPageQuery, ZTimestamp, ZUuid } from './common';

export const ZTeam = z
  .object({
    id: ZUuid,
    name: z.string(),
    departmentId: ZUuid.nullable(),
    managerUserId: ZUuid.nullable().meta({
      description: 'The console user who manages the team and sees its time',
    }),
    isDeleted: z.boolean(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'Team' });

const teamFields = {
  name: ZName,
  departmentId: ZUuid.nullable().optional(),
  managerUserId: ZUuid.nullable().optional(),
};
export const ZCreateTeamBody = z.object(teamFields).strict().meta({ id: 'CreateTeamBody' });
export const ZUpdateTeamBody = z
  .object({ ...teamFields, name: ZName.optional() })
  .strict()
  .meta({ id: 'UpdateTeamBody' });
export const ZTeamListQuery = ZPageQuery.extend({ departmentId: ZUuid.optional() });

/** Share of the employee's time given to this team, 1–100 %. */
const ZAllocationPercent = z.number().int().min(1).max(100);

export const ZTeamMember = z
  .object({
    teamId: ZUuid,
    employeeId: ZUuid,
    employeeName: z.string(),
    allocationPercent: z.number().int(),
    createdAt: ZTimestamp,
    updatedAt: ZTimestamp,
  })
  .meta({ id: 'TeamMember' });
export const ZAddTeamMemberBody = z
  .object({ employeeId: ZUuid, allocationPercent: ZAllocationPercent.optional() })
  .strict()
  .meta({ id: 'AddTeamMemberBody' });
export const ZUpdateTeamMemberBody = z
  .object({ allocationPercent: ZAllocationPercent })
  .strict()
  .meta({ id: 'UpdateTeamMemberBody' });
