/** @module The kiosk's local SQLite store: open + migrate, encryption at rest, query functions per domain. */
export * from './open';
export * from './crypto';
export * from './queries/index';
