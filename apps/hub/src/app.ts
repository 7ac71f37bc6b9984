/**
 * @module The hub's HTTP application: middleware order, route bundles, one error handler.
 * Built by createApp(deps) so tests run the real app on their own database.
 */
import { AppError } from '@clockface/core';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { HubDeps } from './deps';
import type { HubEnv } from './env';
import { handleError } from './errors';
import { withRequestContext } from './middleware/request-context';
import { withDeviceAuth, withServerDate } from './middleware/with-device-auth';
import { withOrgMember } from './middleware/with-org-member';
import { adjustmentRoutes } from './routes/adjustments.routes';
import { adminRoutes } from './routes/admin.routes';
import { authRoutes } from './routes/auth.routes';
import { employeeRoutes } from './routes/employees.routes';
import { meRoutes } from './routes/me.routes';
import { timeRoutes } from './routes/time.routes';
import { faceRoutes, isFaceEnrollmentMultipart, isFaceEnrollmentRequest } from './routes/faces.routes';
import { invitationRoutes } from './routes/invitations.routes';
import { modificationRequestRoutes } from './routes/modification-requests.routes';
import { leaveRoutes } from './routes/leave.routes';
import { orgRoutes } from './routes/orgs.routes';
import { deviceRoutes } from './routes/devices.routes';
import { reportRoutes } from './routes/reports.routes';
import { createRouter } from './routes/router';
import { structureRoutes } from './routes/structure.routes';
import { syncRoutes } from './routes/sync.routes';
import { timesheetRoutes } from './routes/timesheets.routes';
import { scheduleRoutes } from './routes/schedules.routes';
import { policyRoutes } from './routes/policies.routes';
import { teamRoutes } from './routes/teams.routes';
import { projectRoutes } from './routes/projects.routes';
import { registerApiDocs, systemRoutes } from './routes/system.routes';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** JSON routes take JSON only: a form or text body is refused before parsing (415), so CSRF-able content types never reach a handler. */
const withJsonContentType = createMiddleware<HubEnv>(async function withJsonContentType(c, next) {
  const hasBody =
    c.req.header('content-length') !== undefined
      ? c.req.header('content-length') !== '0'
      : c.req.header('transfer-encoding') !== undefined;
  if (METHODS_WITH_BODY.has(c.req.method) && hasBody) {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
        message: `Expected Content-Type application/json, got ${type || 'none'}`,
      });
    }
  }
  await next();
});

export function createApp(deps: HubDeps) {
  const app = createRouter();

  // Order matters: the request id must exist before the logger child is made, and both before anything can fail.
  app.use('*', requestId({ limitLength: 64 }));
  app.use('*', withRequestContext(deps));
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
      },
      strictTransportSecurity: 'max-age=31536000; includeSubDomains',
      referrerPolicy: 'no-referrer',
      crossOriginOpenerPolicy: 'same-origin',
    }),
  );
  app.use('/api/*', async (c, next) => {
    await next();
    // API answers carry personal data and tokens: never cache them.
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  const apiBodyLimit = bodyLimit({
    maxSize: deps.config.bodyLimitBytes,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', {
        message: `The body exceeds ${deps.config.bodyLimitBytes} bytes`,
      });
    },
  });
  // Face enrollment (up to five photos) applies its own, larger limit on its route. GET and HEAD
  // carry no body; skipping them also spares building a full fetch Request just to look for one.
  app.use('/api/*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' || isFaceEnrollmentRequest(c.req.method, c.req.path)
      ? next()
      : apiBodyLimit(c, next),
  );
  // Bearer-only auth, so a multipart form from another site cannot act for a user; only enrollment takes one.
  app.use('/api/*', (c, next) =>
    isFaceEnrollmentMultipart(c.req.method, c.req.path, c.req.header('content-type'))
      ? next()
      : withJsonContentType(c, next),
  );

  // Org-scoped routes: authentication and membership of the org in the path (which also sets the RLS scope).
  const requireMember = withOrgMember(deps, {
    // A GET answered on a remembered access that turned out stale is answered again, afresh.
    redispatch: (request, env) => app.fetch(request, env as never),
  });
  app.use('/api/orgs/:orgId', requireMember);
  app.use('/api/orgs/:orgId/*', requireMember);

  // Kiosk routes: the hub's time on every answer (errors too, JWT-05), then the device JWT.
  app.use('/api/devices/*', withServerDate(deps));
  app.use('/api/sync/*', withServerDate(deps), withDeviceAuth(deps));

  app.route('/', systemRoutes(deps));
  app.route('/', authRoutes(deps));
  app.route('/', orgRoutes(deps));
  app.route('/', invitationRoutes(deps));
  app.route('/', structureRoutes(deps));
  app.route('/', employeeRoutes(deps));
  app.route('/', timeRoutes(deps));
  app.route('/', meRoutes(deps));
  app.route('/', faceRoutes(deps));
  app.route('/', leaveRoutes(deps));
  app.route('/', adjustmentRoutes(deps));
  app.route('/', modificationRequestRoutes(deps));
  app.route('/', timesheetRoutes(deps));
  app.route('/', adminRoutes(deps));
  app.route('/', deviceRoutes(deps));
  app.route('/', syncRoutes(deps));
  app.route('/', scheduleRoutes(deps));
  app.route('/', policyRoutes(deps));
  app.route('/', teamRoutes(deps));
  app.route('/', projectRoutes(deps));
  app.route('/', reportRoutes(deps));
  registerApiDocs(app, deps);

  app.notFound((c) =>
    handleError(new AppError('NOT_FOUND', { message: `No route for ${c.req.method} ${c.req.path}` }), c),
  );
  app.onError(handleError);
  return app;
}

export type HubApp = ReturnType<typeof createApp>;
