/**
 * The operators' CLI: `pnpm hub <command>`. Every command reads the same configuration as the server
 * (DATABASE_URL, DATA_DIR, …) and exits non-zero with a readable message on failure.
 */
import { parseArgs } from 'node:util';
import { ZEmail, ZName, ZPassword } from '@clockface/contracts/api';
import { AppError } from '@clockface/core';
import { migrateDatabase, openDatabase } from '@clockface/db-hub';
import { createUser, findUserByEmail, setUserSuperadmin } from '@clockface/db-hub/queries';
import { join } from 'node:path';
import { ConfigError, loadConfig, processEnvironment, type HubConfig } from './config';
import { generateSigningJwk } from './security/access-tokens';
import { assertPasswordAcceptable, hashPassword } from './security/passwords';
import { seedDemo } from './services/demo.service';
import { startRuntime } from './runtime';

const USAGE = `Usage: pnpm hub <command> [options]

Commands:
  migrate                         Apply database migrations (also done at every start).
  create-superadmin --email E --name N [--password P]
                                  Create a platform super-admin, or promote an existing user.
                                  Without --password, HUB_SUPERADMIN_PASSWORD is read.
  seed-demo                       Create a demo organisation with people, sites and departments
                                  (not in production). Prints how to log in.
  generate-signing-key            Print a new Ed25519 private key (JWK) for HUB_SIGNING_KEY.
  help                            Show this text.

The database is DATABASE_URL, or the embedded one under DATA_DIR (default .data).`;

class UsageError extends Error {}

function openFromConfig(config: HubConfig) {
  return openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'),
    maxConnections: 2,
  });
}

async function migrate(config: HubConfig) {
  const connection = await openFromConfig(config);
  try {
    await migrateDatabase(connection);
    console.log('Migrations applied.');
  } finally {
    await connection.close();
  }
}

async function createSuperadmin(config: HubConfig, args: string[], env: Record<string, string | undefined>) {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } },
  });
  const email = ZEmail.safeParse(values.email);
  const name = ZName.safeParse(values.name);
  const password = ZPassword.safeParse(values.password ?? env.HUB_SUPERADMIN_PASSWORD);
  const problems = [
    ...(email.success ? [] : ['--email: expected an email address']),
    ...(name.success ? [] : ['--name: expected a name']),
    ...(password.success ? [] : ['--password (or HUB_SUPERADMIN_PASSWORD): expected 12 to 256 characters']),
  ];
  if (problems.length > 0 || !email.success || !name.success || !password.success)
    throw new UsageError(problems.join('\n'));

  const connection = await openFromConfig(config);
  try {
    await migrateDatabase(connection);
    const existing = await findUserByEmail(connection.db, { email: email.data });
    if (existing) {
      await setUserSuperadmin(connection.db, { userId: existing.id, isSuperadmin: true });
      console.log(`${email.data} already had an account: it is now a super-admin (password unchanged).`);
      return;
    }
    assertPasswordAcceptable(password.data, { email: email.data });
    await createUser(connection.db, {
      email: email.data,
      name: name.data,
      passwordHash: await hashPassword(password.data),
      isSuperadmin: true,
    });
    console.log(`Super-admin ${email.data} created. Log in with POST /api/auth/login.`);
  } finally {
    await connection.close();
  }
}

async function runSeedDemo(config: HubConfig) {
  if (config.environment === 'production') throw new UsageError('seed-demo is not available in production.');
  const runtime = await startRuntime(config, { withJobs: false });
  try {
    const result = await seedDemo(runtime.deps);
    if (!result.created) {
      console.log(
        `The demo organisation already exists. Log in as ${result.ownerEmail} (password: ${result.password}).`,
      );
      return;
    }
    console.log(`Demo organisation "${result.organizationName}" created.`);
    console.log(`Log in as ${result.ownerEmail} with password: ${result.password}`);
    console.log(`Also: ${result.otherLogins.join(', ')} (same password).`);
  } finally {
    await runtime.close();
  }
}

export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = processEnvironment(),
): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (!command || command === 'help' || command === '--help') {
      console.log(USAGE);
      return command ? 0 : 2;
    }
    if (command === 'generate-signing-key') {
      console.log(JSON.stringify(await generateSigningJwk()));
      return 0;
    }
    const config = loadConfig(env);
    if (command === 'migrate') await migrate(config);
    else if (command === 'create-superadmin') await createSuperadmin(config, args, env);
    else if (command === 'seed-demo') await runSeedDemo(config);
    else throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) console.error(error.message);
    else if (error instanceof AppError)
      console.error(
        `${error.message}${error.issues ? `: ${error.issues.map((i) => i.message).join('; ')}` : ''}`,
      );
    else console.error(`Failed: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
