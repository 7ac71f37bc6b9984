import { desc } from 'drizzle-orm';
import type { KioskDbOrTx } from '../open';
import { dataKeyChecks } from '../schema/index';
import { KEY_CHECK_AAD, decryptRecord, encryptRecord, keyCheckPlaintext, type KeyProvider } from '../crypto';

export type DataKeyState =
  | { status: 'ready'; key: Buffer; keyVersion: number }
  /**
   * The store has encrypted data but the key is gone (`missing`) or is not the one it was written
   * with (`wrong`). Nothing encrypted can be read: the kiosk shows "re-provision" and keeps
   * recording PIN punches only if it still has PIN hashes (they are not encrypted).
   */
  | { status: 'reprovision'; reason: 'missing' | 'wrong'; keyVersion: number };

/**
 * Opens the data key, creating one on a fresh store. Never throws for a lost or wrong key.
 *
 * @example
 * const keyState = openDataKey(db, new FileKeyProvider(join(dataDir, 'data.key')));
 * if (keyState.status === 'reprovision') showReprovision(keyState.reason);
 */
export function openDataKey(db: KioskDbOrTx, provider: KeyProvider): DataKeyState {
  const check = db.select().from(dataKeyChecks).orderBy(desc(dataKeyChecks.keyVersion)).limit(1).get();
  if (!check) {
    const key = provider.load() ?? provider.create();
    const keyVersion = 1;
    db.insert(dataKeyChecks)
      .values({
        keyVersion,
        ciphertext: encryptRecord(key, keyCheckPlaintext(keyVersion), KEY_CHECK_AAD),
        createdAt: new Date().toISOString(),
      })
      .run();
    return { status: 'ready', key, keyVersion };
  }
  const key = provider.load();
  if (!key) return { status: 'reprovision', reason: 'missing', keyVersion: check.keyVersion };
  const plaintext = decryptRecord(key, check.ciphertext, KEY_CHECK_AAD);
  if (!plaintext || !plaintext.equals(keyCheckPlaintext(check.keyVersion))) {
    return { status: 'reprovision', reason: 'wrong', keyVersion: check.keyVersion };
  }
  return { status: 'ready', key, keyVersion: check.keyVersion };
}

/** Forgets the key checks (with `provider.destroy()`, a crypto-shred); the next open makes a new key. */
export function deleteDataKeyChecks(db: KioskDbOrTx): void {
  db.delete(dataKeyChecks).run();
}
