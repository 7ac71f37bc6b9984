/** @module Structured JSON logs (pino). Secrets never reach a log: headers and bodies are not logged. */
import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'hub' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.password', '*.token', '*.refreshToken', '*.authorization', 'err.config'],
      censor: '[redacted]',
    },
  });
}
