import { and, eq, inArray, sql } from 'drizzle-orm';
import type { KioskDbOrTx } from '../open';
import { employees, pinHashes, pinLockouts } from '../schema/index';

export type Employee = typeof employees.$inferSelect;

export interface UpsertEmployeesParams {
  orgId: string;
  employees: { id: string; code: string; displayName: string; isActive: boolean }[];
  at: Date;
}

export function upsertEmployees(db: KioskDbOrTx, params: UpsertEmployeesParams): void {
  const updatedAt = params.at.toISOString();
  for (const employee of params.employees) {
    const values = { ...employee, orgId: params.orgId, updatedAt };
    db.insert(employees).values(values).onConflictDoUpdate({ target: employees.id, set: values }).run();
  }
}

export function findEmployeeByCode(
  db: KioskDbOrTx,
  params: { orgId: string; code: string },
): Employee | undefined {
  return db
    .select()
    .from(employees)
    .where(and(eq(employees.orgId, params.orgId), eq(employees.code, params.code)))
    .get();
}

export function findEmployee(db: KioskDbOrTx, params: { id: string }): Employee | undefined {
  return db.select().from(employees).where(eq(employees.id, params.id)).get();
}

/** Tombstones: deleting an employee cascades to their PIN hash, lockout and templates. */
export function deleteEmployees(db: KioskDbOrTx, params: { ids: string[] }): number {
  if (params.ids.length === 0) return 0;
  return db.delete(employees).where(inArray(employees.id, params.ids)).run().changes;
}

/** The roster in employee-number order (benchmarks and tools; the punch path looks employees up one by one). */
export function listEmployees(db: KioskDbOrTx, params: { limit: number }): Employee[] {
  return db.select().from(employees).orderBy(employees.code).limit(params.limit).all();
}

export function countEmployees(db: KioskDbOrTx): number {
  return (
    db
      .select({ count: sql<number>`count(*)` })
      .from(employees)
      .get()?.count ?? 0
  );
}

export type PinHash = typeof pinHashes.$inferSelect;

export function upsertPinHashes(
  db: KioskDbOrTx,
  params: { orgId: string; pinHashes: { employeeId: string; hash: string }[]; at: Date },
): void {
  const updatedAt = params.at.toISOString();
  for (const pin of params.pinHashes) {
    const values = { ...pin, orgId: params.orgId, updatedAt };
    db.insert(pinHashes)
      .values(values)
      .onConflictDoUpdate({ target: pinHashes.employeeId, set: values })
      .run();
    // A new PIN from the hub ends a lockout earned with the old one.
    db.delete(pinLockouts).where(eq(pinLockouts.employeeId, pin.employeeId)).run();
  }
}

export function findPinHash(db: KioskDbOrTx, params: { employeeId: string }): PinHash | undefined {
  return db.select().from(pinHashes).where(eq(pinHashes.employeeId, params.employeeId)).get();
}

export function deletePinHashes(db: KioskDbOrTx, params: { employeeIds: string[] }): number {
  if (params.employeeIds.length === 0) return 0;
  return db.delete(pinHashes).where(inArray(pinHashes.employeeId, params.employeeIds)).run().changes;
}

export type PinLockout = typeof pinLockouts.$inferSelect;

export function findPinLockout(db: KioskDbOrTx, params: { employeeId: string }): PinLockout | undefined {
  return db.select().from(pinLockouts).where(eq(pinLockouts.employeeId, params.employeeId)).get();
}

/**
 * Counts a wrong PIN; at `maxAttempts` the PIN locks until now + lockoutMs and the counter restarts.
 * Returns the new state; `isNowLocked` is true only on the attempt that caused the lock.
 */
export function recordPinFailure(
  db: KioskDbOrTx,
  params: { employeeId: string; now: Date; maxAttempts: number; lockoutMs: number },
): { failedAttempts: number; lockedUntil: Date | null; isNowLocked: boolean } {
  const current = findPinLockout(db, { employeeId: params.employeeId });
  const failedAttempts = (current?.failedAttempts ?? 0) + 1;
  const isNowLocked = failedAttempts >= params.maxAttempts;
  const lockedUntil = isNowLocked ? new Date(params.now.getTime() + params.lockoutMs) : null;
  const values = {
    employeeId: params.employeeId,
    failedAttempts: isNowLocked ? 0 : failedAttempts,
    lockedUntil: lockedUntil?.toISOString() ?? null,
    updatedAt: params.now.toISOString(),
  };
  db.insert(pinLockouts)
    .values(values)
    .onConflictDoUpdate({ target: pinLockouts.employeeId, set: values })
    .run();
  return { failedAttempts, lockedUntil, isNowLocked };
}

export function clearPinFailures(db: KioskDbOrTx, params: { employeeId: string }): void {
  db.delete(pinLockouts).where(eq(pinLockouts.employeeId, params.employeeId)).run();
}
