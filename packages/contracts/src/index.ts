/** @module zod schemas shared by hub, console and kiosk: the API bodies and the sync wire format. */
export * from './api/index';
export * from './sync';
