/** @module Drizzle tables of the kiosk's SQLite store; drizzle-kit generates drizzle/kiosk from these. */
export * from './device';
export * from './employees';
export * from './punches';
export * from './sync';
