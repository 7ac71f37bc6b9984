import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '@clockface/core';
import { loadConfig } from './config';

describe('loadConfig', () => {
  it('prefers --data-dir over KIOSK_DATA_DIR over the per-user default, and is frozen', () => {
    expect(loadConfig({ dataDir: '/a' }, { KIOSK_DATA_DIR: '/b' }).dataDir).toBe('/a');
    const fromEnv = loadConfig({}, { KIOSK_DATA_DIR: '/b' });
    expect(fromEnv).toMatchObject({
      dataDir: '/b',
      dbFile: '/b/kiosk.db',
      keyFile: '/b/keys/data.key',
      logLevel: 'info',
    });
    expect(Object.isFrozen(fromEnv)).toBe(true);
    if (process.platform === 'linux') {
      expect(loadConfig({}, { XDG_DATA_HOME: '/x' }).dataDir).toBe(join('/x', 'clockface-kiosk'));
    }
  });

  it('resolves a relative data dir against where the command was typed (pnpm INIT_CWD)', () => {
    expect(loadConfig({ dataDir: 'data' }, { INIT_CWD: '/work/site' }).dataDir).toBe('/work/site/data');
  });

  it('reports every bad key in one message', () => {
    try {
      loadConfig({}, { KIOSK_LOG_LEVEL: 'loud', KIOSK_DATA_DIR: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).issues?.map((issue) => issue.path).sort()).toEqual([
        'KIOSK_DATA_DIR',
        'KIOSK_LOG_LEVEL',
      ]);
    }
  });
});
