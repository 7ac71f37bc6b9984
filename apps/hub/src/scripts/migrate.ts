/** `pnpm --filter @clockface/hub migrate`: applies drizzle/hub and exits non-zero on failure. */
import { runCli } from '../cli';

runCli(['migrate']).then((code) => process.exit(code));
