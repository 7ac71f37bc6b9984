import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKioskDb } from './open';

const scratch = mkdtempSync(join(tmpdir(), 'kiosk-open-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('openKioskDb', () => {
  it('sets WAL, synchronous=FULL, foreign keys, secure delete and a busy timeout', () => {
    const store = openKioskDb(join(scratch, 'nested', 'kiosk.db'));
    try {
      expect(store.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.sqlite.pragma('synchronous', { simple: true })).toBe(2);
      expect(store.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.sqlite.pragma('secure_delete', { simple: true })).toBe(1);
      expect(store.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(statSync(join(scratch, 'nested', 'kiosk.db')).mode & 0o777).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('fails with a clear message when the migrations are missing', () => {
    expect(() => openKioskDb(join(scratch, 'x.db'), { migrationsFolder: join(scratch, 'none') })).toThrow(
      /Expected kiosk migrations in/,
    );
  });
});
