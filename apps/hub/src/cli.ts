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
import { drainProjectionQueue, recomputeAll } from './services/projection.service';
import { startRuntime } from './runtime';

const USAGE = `Usage: pnpm hub <command> [options]

Commands:
  migrate                         Apply database migrations (also done at every start).
  create-superadmin --email E --name N [--password P]
                                  Create a platform super-admin, or promote an existing user.
                                  Without --password, HUB_SUPERADMIN_PASSWORD is read.
  seed-demo                       Create a demo organisation with people, sites and departments
                                  (not in production). Prints how to log in.
  project (--all | --org ID) [--from DATE --to DATE] [--batch N] [--concurrency N]
                                  Recompute work days, entries and exceptions of every live
                                  employee (all orgs, or one) from their punches; dates default to
                                  each org's first to last punch. Prints a JSON summary.
  project --queue                 Drain the projection queue now (what the job does every few seconds).
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

async function runProject(config: HubConfig, args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      all: { type: 'boolean' },
      org: { type: 'string' },
      queue: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      batch: { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  const isDate = (value: string | undefined) => value === undefined || /^\d{4}-\d{2}-\d{2}$/.test(value);
  const isCount = (value: string | undefined) => value === undefined || /^[1-9]\d{0,3}$/.test(value);
  const problems = [
    ...(values.all || values.org || values.queue ? [] : ['expected --all, --org ID or --queue']),
    ...(values.all && values.org ? ['--all and --org exclude each other'] : []),
    ...(values.org && !/^[0-9a-f-]{36}$/i.test(values.org) ? ['--org: expected an organization id'] : []),
    ...(isDate(values.from) && isDate(values.to) ? [] : ['--from/--to: expected YYYY-MM-DD']),
    ...((values.from === undefined) !== (values.to === undefined) ? ['--from and --to go together'] : []),
    ...(isCount(values.batch) && isCount(values.concurrency)
      ? []
      : ['--batch/--concurrency: expected 1 to 9999']),
  ];
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  const connection = await openFromConfig(config);
  try {
    await migrateDatabase(connection);
    const now = () => new Date();
    const started = performance.now();
    if (values.queue) {
      const result = await drainProjectionQueue(
        connection.db,
        { now },
        { timeBudgetMs: Number.MAX_SAFE_INTEGER },
      );
      console.log(JSON.stringify({ ...result, seconds: Math.round(performance.now() - started) / 1000 }));
      return;
    }
    const result = await recomputeAll(
      connection.db,
      { now },
      {
        orgId: values.org,
        fromDate: values.from,
        toDate: values.to,
        ...(values.batch ? { batchSize: Number(values.batch) } : {}),
        ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
      },
    );
    console.log(
      JSON.stringify({
        ...result,
        failed: result.failed.length,
        seconds: Math.round(performance.now() - started) / 1000,
      }),
    );
    for (const failure of result.failed) console.error(`${failure.employeeId}: ${failure.message}`);
  } finally {
    await connection.close();
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
    else if (command === 'project') await runProject(config, args);
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
