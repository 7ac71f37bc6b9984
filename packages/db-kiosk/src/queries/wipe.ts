import type { KioskDbOrTx } from '../open';
import { employees, faceTemplates, pinHashes, pinLockouts, syncCursors } from '../schema/index';

/**
 * Revocation (DEV-04) and consent: deletes templates, PIN hashes, lockouts, the roster and the roster
 * cursor. Punches stay: they are the record of work done and are still owed to the hub's review.
 * Pair with `KeyProvider.destroy()` to crypto-shred anything left in free pages or the WAL.
 */
export function wipeBiometricData(db: KioskDbOrTx): {
  templates: number;
  pinHashes: number;
  employees: number;
} {
  const templates = db.delete(faceTemplates).run().changes;
  const pins = db.delete(pinHashes).run().changes;
  db.delete(pinLockouts).run();
  const roster = db.delete(employees).run().changes;
  db.delete(syncCursors).run();
  return { templates, pinHashes: pins, employees: roster };
}
