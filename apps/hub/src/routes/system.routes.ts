import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { APP_ERROR_CODES, type AppErrorCode } from '@clockface/core';
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { HubDeps } from '../deps';
import { CODE_TO_STATUS, problemSlug, problemTitle } from '../errors';
import { createRouter, jsonResponse } from './router';

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const DOCS_ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

const ZHealth = z.object({ status: z.enum(['ok', 'degraded']), db: z.string() }).meta({ id: 'Health' });

/** Health, API description and the problem-type pages linked from every error's `type`. */
export function systemRoutes(deps: HubDeps) {
  const router = createRouter();

  const health = async () => {
    try {
      await deps.db.execute(sql`select 1`);
      return { body: { status: 'ok' as const, db: 'ok' }, status: 200 as const };
    } catch (error) {
      deps.log.error({ err: error }, 'health check: database unreachable');
      return { body: { status: 'degraded' as const, db: 'unreachable' }, status: 503 as const };
    }
  };
  for (const path of ['/health', '/api/health']) {
    router.openapi(
      createRoute({
        method: 'get',
        path,
        tags: ['System'],
        summary: 'Liveness and database reachability',
        responses: {
          200: jsonResponse(ZHealth, 'Healthy'),
          503: jsonResponse(ZHealth, 'The database is unreachable'),
        },
      }),
      async (c) => {
        const result = await health();
        return c.json(result.body, result.status);
      },
    );
  }

  // Until the console is served here, the root says what is running and where to go.
  router.get('/', (c) =>
    c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clockface hub</title></head>
<body><h1>Clockface hub</h1>
<p>The hub is running. The admin console is not bundled yet; use the API.</p>
<ul><li><a href="/api/docs">API documentation</a> (interactive)</li>
<li><a href="/api/openapi.json">OpenAPI 3.1 document</a></li>
<li><a href="/health">Health</a></li></ul>
<p>New here? <code>pnpm hub seed-demo</code> creates a demo organisation and prints how to log in.</p>
</body></html>`),
  );

  router.get('/api/problems/:slug', (c) => {
    const code = (Object.keys(APP_ERROR_CODES) as AppErrorCode[]).find(
      (candidate) => problemSlug(candidate) === c.req.param('slug'),
    );
    if (!code) return c.notFound();
    return c.json({
      type: `/api/problems/${problemSlug(code)}`,
      code,
      title: problemTitle(code),
      status: CODE_TO_STATUS[code],
    });
  });

  return router;
}

/** The OpenAPI 3.1 document and, unless switched off, an offline docs page (Swagger UI served from the package). */
export function registerApiDocs(app: ReturnType<typeof createRouter>, deps: HubDeps) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Clockface hub API',
      version: '0.1.0',
      description:
        "Multi-tenant time-clock API. Errors are RFC 9457 problem+json. Org-scoped routes live under /api/orgs/{orgId}; another organisation's ids answer 404.",
    },
    servers: [{ url: deps.config.publicUrl }],
  });
  if (!deps.config.apiDocs) return;

  app.get('/api/docs', (c) =>
    c.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clockface hub API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"><link rel="icon" href="/api/docs/assets/favicon-32x32.png"></head>
<body><div id="docs"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`),
  );
  // A separate file, not an inline script, so the page works under a CSP without 'unsafe-inline'.
  app.get('/api/docs/init.js', (c) => {
    c.header('content-type', 'text/javascript; charset=utf-8');
    return c.body(
      `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#docs', deepLinking: true });`,
    );
  });
  app.get('/api/docs/assets/:file', async (c) => {
    const file = c.req.param('file');
    if (!DOCS_ASSETS.has(file)) return c.notFound();
    const type = file.endsWith('.css') ? 'text/css' : file.endsWith('.png') ? 'image/png' : 'text/javascript';
    c.header('content-type', `${type}; charset=utf-8`);
    c.header('cache-control', 'public, max-age=86400');
    return c.body(await readFile(join(swaggerUiDir, file)));
  });
}
