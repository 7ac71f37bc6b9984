import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/test-hub';

let hub: TestHub;

beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

describe('the root page', () => {
  it('says the hub is running and links the docs', async () => {
    const page = await hub.request('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/api/docs');
  });
});

describe('health', () => {
  it('reports ok with the database reachable', async () => {
    for (const path of ['/health', '/api/health']) {
      const response = await hub.request('GET', path);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok', db: 'ok' });
    }
  });
});

describe('request ids and headers', () => {
  it('every response carries an x-request-id, an incoming one is kept, and API answers are not cached', async () => {
    const fresh = await hub.request('GET', '/api/health');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const given = await hub.request('GET', '/api/health', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(given.headers.get('cache-control')).toBe('no-store');
    expect(given.headers.get('x-content-type-options')).toBe('nosniff');
    expect(given.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(given.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('OpenAPI', () => {
  it('documents every API route in an OpenAPI 3.1 document generated from the schemas', async () => {
    const response = await hub.request('GET', '/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const documented = new Set(
      Object.entries(response.body.paths as Record<string, Record<string, unknown>>).flatMap(
        ([path, operations]) =>
          Object.keys(operations).map(
            (method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
          ),
      ),
    );
    const served = hub.runtime.app.routes
      .filter(
        (route) =>
          route.method !== 'ALL' &&
          route.path.startsWith('/api/') &&
          !/^\/api\/(docs|problems|openapi)/.test(route.path),
      )
      .map((route) => `${route.method} ${route.path}`);
    expect(served.length).toBeGreaterThan(30);
    for (const route of served) expect(documented, route).toContain(route);
    expect(response.body.components.schemas.Problem).toBeDefined();
    expect(response.body.components.schemas.SignupBody.required).toEqual(
      expect.arrayContaining(['organizationName', 'email', 'password']),
    );
  });

  it('serves the interactive docs page and its assets without any CDN', async () => {
    const page = await hub.request('GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/api/docs/assets/swagger-ui-bundle.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    const asset = await hub.request('GET', '/api/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    expect(asset.text.length).toBeGreaterThan(100_000);
    expect((await hub.request('GET', '/api/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });

  it('explains each problem type at its URI', async () => {
    const response = await hub.request('GET', '/api/problems/validation-failed');
    expect(response.body).toEqual({
      type: '/api/problems/validation-failed',
      code: 'VALIDATION_FAILED',
      title: expect.any(String),
      status: 422,
    });
  });
});

describe('health when the database is down', () => {
  it('answers 503 with the reason, and problem-free JSON', async () => {
    const broken = await createTestHub();
    try {
      await broken.database.connection.close();
      const response = await broken.request('GET', '/health');
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ status: 'degraded', db: 'unreachable' });
    } finally {
      await broken.runtime.close();
      await broken.database.drop().catch(() => undefined);
    }
  });
});
