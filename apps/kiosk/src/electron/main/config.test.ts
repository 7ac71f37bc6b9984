import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadShellConfig } from './config';

const paths = { buildDir: '/opt/kiosk/dist/electron', appRoot: '/opt/kiosk' };

describe('shell config', () => {
  it('defaults: full-screen kiosk, face recognition on, the per-user data folder shared with headless', () => {
    const config = loadShellConfig(paths, ['electron', 'main.cjs'], {
      XDG_DATA_HOME: '/home/k/.local/share',
    });
    expect(config.kiosk).toBe(true);
    expect(config.faceRecognition).toBe(true);
    if (process.platform === 'linux') expect(config.dataDir).toBe('/home/k/.local/share/clockface-kiosk');
    expect(config.keyFile).toBe(join(config.dataDir, 'keys', 'data.key'));
    expect(config.preloadPath).toBe(join(paths.buildDir, 'preload.cjs'));
    expect(config.rendererDir).toBe(join(paths.buildDir, 'renderer'));
    expect(config.agentEntry).toBe(join(paths.appRoot, 'src', 'electron', 'agent-process.ts'));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('windowed by env or flag; keypad-only; a data folder of its own', () => {
    expect(loadShellConfig(paths, ['electron', 'main.cjs', '--windowed'], {}).kiosk).toBe(false);
    const config = loadShellConfig(paths, [], {
      KIOSK_WINDOW: 'windowed',
      KIOSK_FACE_RECOGNITION: 'off',
      KIOSK_DATA_DIR: '/srv/kiosk',
    });
    expect(config).toMatchObject({ kiosk: false, faceRecognition: false, dataDir: resolve('/srv/kiosk') });
  });

  it('names every bad setting', () => {
    expect(() =>
      loadShellConfig(paths, [], { KIOSK_WINDOW: 'fullscreen', KIOSK_FACE_RECOGNITION: 'yes' }),
    ).toThrow(/KIOSK_WINDOW.*KIOSK_FACE_RECOGNITION/);
  });
});
