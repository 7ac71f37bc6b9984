/**
 * @module The hub's configuration: parsed once from the environment with zod, every bad or missing
 * value reported in one message, then frozen. The only file that reads process.env.
 */
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const ZBoolean = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const ZEnvironment = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** TCP port to listen on. */
  PORT: z.coerce.number().int().min(0).max(65_535).default(8787),
  /** Interface to bind. 0.0.0.0 so kiosks on the site network can reach a dev hub too. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** postgres:// URL of the database. Absent → embedded PGlite under DATA_DIR (not allowed in production). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'Expected a postgres:// or postgresql:// URL')
    .optional(),
  /** Connections in the pool to a real server, per hub process. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** Where the embedded database and generated dev secrets live. Relative paths are from where you ran the command. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** The hub's public origin: issuer of access tokens and base of links in emails. */
  PUBLIC_URL: z.url().optional(),
  /**
   * Ed25519 private key (JWK JSON) that signs user access tokens. Required in production; in
   * development one is generated under DATA_DIR and reused.
   */
  HUB_SIGNING_KEY: z.string().min(1).optional(),
  /**
   * AES-256 key (base64, 32 bytes) that encrypts face templates and kept enrollment photos at rest.
   * Required in production; in development one is generated under DATA_DIR/secrets and reused.
   */
  HUB_DATA_KEY: z.string().min(1).optional(),
  /** smtp:// or smtps:// URL. Absent → emails go to the dev outbox (logged and stored). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'Expected an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Clockface <no-reply@clockface.local>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  /** Access tokens are short-lived; revocation also takes effect at the next request (session check). */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(600).default(600),
  /** A session not refreshed for this long ends (ASVS 3.3.2 L2: 30 minutes). */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(43_200).default(30),
  /** A session ends this long after login however active it is (ASVS 3.3.2 L2: 12 hours). */
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(8_760).default(12),
  /** Comma-separated proxy addresses whose X-Forwarded-For is trusted for the client IP. */
  TRUSTED_PROXIES: z.string().default(''),
  /** Largest JSON body accepted, in bytes (bigger → 413). */
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Run background jobs (pg-boss workers) in this process. */
  RUN_JOBS: ZBoolean.default(true),
  /**
   * Requests one kiosk may make per minute before 429 (DEV-07); 0 turns the limit off. 60 drains a
   * backlog at 30,000 punches a minute per kiosk; raise it for load tests of many batches per device.
   */
  DEVICE_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  /**
   * Kiosk registration attempts per enrollment token and per client IP in 15 minutes, whatever the
   * outcome (DEV-01); 0 turns a limit off. Raise them to provision many kiosks from one address.
   */
  DEVICE_REGISTRATIONS_PER_TOKEN: z.coerce.number().int().min(0).default(10),
  DEVICE_REGISTRATIONS_PER_IP: z.coerce.number().int().min(0).default(30),
  /** Serve the interactive API docs at /api/docs (off by default in production). */
  API_DOCS: ZBoolean.optional(),
});

/** Rules across keys, checked on the raw values so they are reported together with type errors. */
function productionProblems(env: Record<string, string | undefined>): string[] {
  if (env.NODE_ENV !== 'production') return [];
  return [
    ...(env.DATABASE_URL
      ? []
      : ['DATABASE_URL: is required in production (embedded PGlite is for development only)']),
    ...(env.HUB_SIGNING_KEY
      ? []
      : ['HUB_SIGNING_KEY: is required in production (generate one with `pnpm hub generate-signing-key`)']),
    ...(env.HUB_DATA_KEY
      ? []
      : [
          'HUB_DATA_KEY: is required in production (face templates at rest; generate: openssl rand -base64 32)',
        ]),
  ];
}

export type HubConfig = Readonly<{
  environment: 'development' | 'test' | 'production';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  dataDir: string;
  publicUrl: string;
  signingKeyJwk: string | undefined;
  dataKey: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
  accessTokenTtlSeconds: number;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  trustedProxies: readonly string[];
  bodyLimitBytes: number;
  deviceRequestsPerMinute: number;
  deviceRegistrationsPerToken: number;
  deviceRegistrationsPerIp: number;
  runJobs: boolean;
  apiDocs: boolean;
}>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid hub configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment. Throws ConfigError listing every problem at once.
 * @example loadConfig({ PORT: '0', DATABASE_URL: 'postgres://localhost/clockface' })
 */
export function loadConfig(environment: Record<string, string | undefined> = process.env): HubConfig {
  // Empty strings mean "not set" (an exported-but-empty variable in a shell or .env file).
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = ZEnvironment.safeParse(present);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)),
    ...productionProblems(present),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  const baseDir = environment.INIT_CWD ?? process.cwd();
  return Object.freeze({
    environment: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    dataDir: isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(baseDir, env.DATA_DIR),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    signingKeyJwk: env.HUB_SIGNING_KEY,
    dataKey: env.HUB_DATA_KEY,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    sessionIdleMinutes: env.SESSION_IDLE_MINUTES,
    sessionMaxHours: env.SESSION_MAX_HOURS,
    trustedProxies: Object.freeze(
      env.TRUSTED_PROXIES.split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    ),
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    deviceRequestsPerMinute: env.DEVICE_REQUESTS_PER_MINUTE,
    deviceRegistrationsPerToken: env.DEVICE_REGISTRATIONS_PER_TOKEN,
    deviceRegistrationsPerIp: env.DEVICE_REGISTRATIONS_PER_IP,
    runJobs: env.RUN_JOBS,
    apiDocs: env.API_DOCS ?? env.NODE_ENV !== 'production',
  });
}

/** The raw environment, for entry points that pass it on (the CLI reads HUB_SUPERADMIN_PASSWORD). */
export const processEnvironment = (): Record<string, string | undefined> => process.env;

/** The config with secrets masked, for the start-up log line. */
export function describeConfig(config: HubConfig): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: config.databaseUrl
      ? config.databaseUrl.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@')
      : 'embedded PGlite',
    signingKeyJwk: config.signingKeyJwk ? '***' : 'generated (development)',
    dataKey: config.dataKey ? '***' : 'generated (development)',
    smtpUrl: config.smtpUrl ? config.smtpUrl.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@') : 'dev outbox',
  };
}
