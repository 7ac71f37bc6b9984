import { defineConfig } from 'drizzle-kit';

// Migrations ship with the kiosk and are applied at start; additive only (test/additive-migrations.test.ts).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema/index.ts',
  out: '../../drizzle/kiosk',
});
