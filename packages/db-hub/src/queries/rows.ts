/**
 * Rows of a raw `db.execute(sql…)`: postgres.js returns the rows array itself, PGlite `{ rows }`.
 * One place for the difference so query functions stay driver-agnostic.
 */
export function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : ((result as { rows?: T[] }).rows ?? []);
}
