import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs with no configuration at all: PGlite under .data, port 8787', () => {
    const config = loadConfig({ INIT_CWD: '/srv/clockface' });
    expect(config).toMatchObject({
      port: 8787,
      databaseUrl: undefined,
      dataDir: '/srv/clockface/.data',
      environment: 'development',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad value at once, naming each', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        SMTP_URL: 'http://mail',
        ACCESS_TOKEN_TTL_SECONDS: '99999',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      for (const key of ['PORT', 'DATABASE_URL', 'SMTP_URL', 'ACCESS_TOKEN_TTL_SECONDS'])
        expect(message).toContain(key);
    }
  });

  it('refuses production without a real database or a signing key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
      /DATABASE_URL: is required in production[\s\S]*HUB_SIGNING_KEY/,
    );
  });

  it('treats empty variables as unset and masks secrets when described', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://app:s3cret@db:5432/clockface',
      SMTP_URL: '',
      PORT: '',
    });
    expect(config.port).toBe(8787);
    expect(JSON.stringify(describeConfig(config))).not.toContain('s3cret');
  });
});
