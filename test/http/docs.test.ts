import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '#test/support/http.ts';
import { expectProblem } from './helpers.ts';

const API_DOC = new URL('../../docs/api.md', import.meta.url);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** `/chatroom/:id` and `/chatroom/{id}` alike become `/chatroom/{}`. */
function normalised(path: string): string {
  return path.replace(/:\w+|\{\w+\}/g, '{}');
}

/** Every `METHOD /path` written in the document (query strings dropped). */
function documentedCalls(markdown: string): Set<string> {
  const calls = markdown.matchAll(/\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (\/[^\s`?|),]*)/g);
  return new Set([...calls].map(([, method, path]) => `${method} ${normalised(path ?? '')}`));
}

describe('docs/api.md', () => {
  it('mentions every route the service serves', async () => {
    const documented = documentedCalls(await readFile(API_DOC, 'utf8'));
    const served = app.runtime.app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method} ${normalised(route.path)}`);

    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((call) => !documented.has(call))).toEqual([]);
  });

  it('mentions every operation of /openapi.json', async () => {
    const documented = documentedCalls(await readFile(API_DOC, 'utf8'));
    const { paths } = (await app.client.get('/openapi.json')).body as { paths: Record<string, object> };
    const operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${normalised(path)}`),
    );

    expect(operations.filter((call) => !documented.has(call))).toEqual([]);
  });
});

describe('/openapi.json', () => {
  it('documents the request headers a send and a stream read, with their shape', async () => {
    type Operation = {
      parameters?: { name: string; in: string; required?: boolean; description?: string; schema: object }[];
    };
    const { paths } = (await app.client.get('/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    const headersOf = (operation: Operation | undefined) =>
      (operation?.parameters ?? []).filter((parameter) => parameter.in === 'header');

    expect(headersOf(paths['/chatroom/{id}/message']?.post)).toEqual([
      expect.objectContaining({
        name: 'idempotency-key',
        required: false,
        description: expect.stringMatching(/same key within 24 hours/),
        schema: expect.objectContaining({ type: 'string', pattern: '^[\\x21-\\x7E]{1,255}$' }),
      }),
    ]);
    expect(headersOf(paths['/chatroom/{id}/messages/{messageId}/stream']?.get)).toEqual([
      expect.objectContaining({
        name: 'last-event-id',
        required: false,
        description: expect.stringMatching(/^Resume after this event/),
        schema: expect.objectContaining({ type: 'string', maxLength: 100 }),
      }),
    ]);
  });
});

describe('GET /docs', () => {
  it('serves a page that loads only this service’s own assets and /openapi.json', async () => {
    const response = await app.client.get('/docs');

    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const csp = response.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const page = response.body as string;
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url ?? '');
    expect(sources.length).toBeGreaterThan(2);
    expect(sources.filter((url) => !url.startsWith('/'))).toEqual([]);
    expect(page).not.toMatch(/<script>/);
  });

  it('serves every asset the page names, the versioned ones cacheable for a year', async () => {
    const page = (await app.client.get('/docs')).body as string;
    const sources = [...page.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map(([, url]) => url ?? '');

    for (const url of sources) {
      const response = await app.runtime.app.request(url);
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
      expect(response.headers.get('Content-Type')).toMatch(/^(text\/(javascript|css)|image\/png)/);
      if (url.startsWith('/docs/assets/')) {
        expect(response.headers.get('Cache-Control')).toMatch(/max-age=31536000.*immutable/);
      }
    }
    const init = await (await app.runtime.app.request('/docs/init.js')).text();
    expect(init).toContain("'/openapi.json'");
    expect(init).toContain('validatorUrl: null');
  });

  it('answers an unknown asset or another Swagger UI version with 404', async () => {
    const page = (await app.client.get('/docs')).body as string;
    const bundle = /src="(\/docs\/assets\/[^"]+\/swagger-ui-bundle\.js)"/.exec(page)?.[1] ?? '';

    expectProblem(
      await app.client.get(bundle.replace('swagger-ui-bundle.js', 'package.json')),
      404,
      'NOT_FOUND',
    );
    expectProblem(await app.client.get('/docs/assets/0.0.1/swagger-ui-bundle.js'), 404, 'NOT_FOUND');
    expectProblem(await app.client.get('/docs/assets/x/../../../package.json'), 404, 'NOT_FOUND');
  });
});
