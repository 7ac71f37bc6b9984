/** The hub server: config → database (migrated) → app → listen. SIGTERM/SIGINT close it cleanly. */
import { serve } from '@hono/node-server';
import { ConfigError, describeConfig, loadConfig } from './config';
import { createLogger } from './logger';
import { startRuntime } from './runtime';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  log.info(
    { config: describeConfig(config), tz: process.versions.tz, node: process.version },
    'starting hub',
  );
  const runtime = await startRuntime(config, { logger: log });

  const server = serve({ fetch: runtime.app.fetch, port: config.port, hostname: config.host }, (address) => {
    const url = `http://localhost:${address.port}`;
    log.info({ url }, 'hub listening');
    // The one line a newcomer looks for.
    process.stdout.write(`\nClockface hub is running at ${url}  (API docs: ${url}/api/docs)\n\n`);
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    server.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));
}

main().catch((error: unknown) => {
  console.error('The hub could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
