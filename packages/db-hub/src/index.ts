/** @module The hub's database: connection, migrations, tenant scoping, schema and queries. */
export * from './client';
export * from './tenancy';
export * as schema from './schema/index';
export { APP_ROLE } from './schema/columns';
