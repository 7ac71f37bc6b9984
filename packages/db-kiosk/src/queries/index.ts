/** @module Query functions per domain: the only way the agent touches the kiosk's tables. */
export * from './data-keys';
export * from './device';
export * from './employees';
export * from './punches';
export * from './sync';
export * from './templates';
export * from './wipe';
