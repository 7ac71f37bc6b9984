/** @module Structured JSON logs (pino). Secrets never reach a log: headers and bodies are not logged. */
import pino, { type DestinationStream, type Logger } from 'pino';

/** Lines are written in blocks of about this many bytes, and at least this often. */
const LOG_BLOCK_BYTES = 4096;
const LOG_FLUSH_MS = 250;

/**
 * `destination` defaults to stdout, written asynchronously in blocks: under load one system call
 * carries a dozen request lines instead of each request paying for its own synchronous write, and a
 * timer writes whatever is waiting every 250 ms, so a quiet hub's lines still appear promptly.
 * Whatever is still buffered is written synchronously when the process exits (pino registers
 * that); only a hard kill can lose the last quarter second. Tests pass a stream to read what would
 * have been logged.
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
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, minLength: LOG_BLOCK_BYTES });
  setInterval(() => {
    try {
      stdout.flush();
    } catch {
      // Closed at exit: nothing left to write.
    }
  }, LOG_FLUSH_MS).unref();
  return pino(options, stdout);
}
