/** @module Structured JSON logs (pino). Secrets never reach a log: headers and bodies are not logged. */
import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * `destination` defaults to stdout, written asynchronously: a line is handed to the OS after the
 * request is answered, lines logged while a write is under way leave together, and whatever is
 * still buffered is written synchronously when the process exits (pino registers that). A synchronous
 * write per request line cost a system call on every request's own path. Tests pass a stream to
 * read what would have been logged.
 */
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
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}
