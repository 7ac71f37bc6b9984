import { getConnInfo } from '@hono/node-server/conninfo';
import { createMiddleware } from 'hono/factory';
import type { HubDeps } from '../deps';
import type { HubEnv } from '../env';

function socketAddress(c: Parameters<typeof getConnInfo>[0]): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    // app.request() in tests has no socket.
    return null;
  }
}

/**
 * Sets the request logger (every line carries the request id) and the client IP, then writes one
 * access line. X-Forwarded-For is believed only from configured proxies, and then only its last hop.
 * Must run after requestId().
 */
export function withRequestContext(deps: HubDeps) {
  const trusted = new Set(deps.config.trustedProxies);
  // The access line holds only the fields below, none of them a secret: written without the redaction
  // pass (about half the cost of the line), with the request id as one of its fields.
  const accessLog = deps.log.child({}, { redact: [] });
  return createMiddleware<HubEnv>(async function withRequestContext(c, next) {
    const started = performance.now();
    const log = deps.log.child({ requestId: c.get('requestId') });
    const peer = socketAddress(c);
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    c.set('log', log);
    c.set('clientIp', peer && trusted.has(peer) && forwarded ? forwarded : peer);
    await next();
    accessLog.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
  });
}
