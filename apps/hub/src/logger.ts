/** @module Structured JSON logs (pino). Secrets never reach a log: headers and bodies are not logged. */
import pino, { type DestinationStream, type Logger } from 'pino';

/** `destination` defaults to stdout; tests pass a stream to read what would have been logged. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'hub' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.password', '*.token', '*.refreshToken', '*.authorization', 'err.config'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
