/** @module The hub's Postgres schema (drizzle). Migrations in drizzle/hub are generated from here. */
export * from './organizations';
export * from './users';
export * from './memberships';
export * from './invitations';
export * from './structure';
export * from './audit';
export * from './employees';
export * from './platform';
export * from './devices';
export * from './attendance';
export * from './scheduling';
export * from './policies';
export * from './projects';
export * from './time';
export * from './leave';
export * from './biometrics';
export { APP_ROLE } from './columns';
