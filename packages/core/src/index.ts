/** @module Universal building blocks: errors, clock, ids. No I/O. */
export * from './errors';
export * from './clock';
export * from './uuidv7';
