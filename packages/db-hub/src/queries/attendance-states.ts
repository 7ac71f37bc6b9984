import { and, eq } from 'drizzle-orm';
import type { Database } from '../client';
import { attendanceStates } from '../schema/time';

export type AttendanceStateRow = typeof attendanceStates.$inferSelect;

/**
 * An employee's latest state as kept by the attendance_events trigger (migration 0009): moved only
 * by an event newer than the one it holds. Undefined when the employee never punched.
 */
export async function findAttendanceState(
  db: Database,
  params: { orgId: string; employeeId: string },
): Promise<AttendanceStateRow | undefined> {
  const [row] = await db
    .select()
    .from(attendanceStates)
    .where(and(eq(attendanceStates.orgId, params.orgId), eq(attendanceStates.employeeId, params.employeeId)))
    .limit(1);
  return row;
}
