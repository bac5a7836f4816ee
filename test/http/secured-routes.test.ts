import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '#test/support/http.ts';
import { expectUnauthorized } from './helpers.ts';

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
const SOME_ID = '01900000-0000-7000-8000-000000000001';

interface Operation {
  method: string;
  path: string;
  secured: boolean;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

/** Every operation of /openapi.json, and whether the document says it needs a bearer token. */
async function documentedOperations(): Promise<Operation[]> {
  const document = (await app.client.get('/openapi.json')).body as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        secured: (operation.security ?? []).length > 0,
      })),
  );
}

/** The operation called without a token, its path parameters filled with a well-formed id. */
function callWithoutToken(operation: Operation) {
  return app.client.request(operation.method, operation.path.replaceAll(/\{\w+\}/g, SOME_ID));
}

describe('what the OpenAPI document says about security is what the API does', () => {
  it('answers 401 to every operation the document secures, called without a token', async () => {
    const secured = (await documentedOperations()).filter((operation) => operation.secured);

    expect(secured.map(({ method, path }) => `${method} ${path}`)).toEqual(
      expect.arrayContaining([
        'POST /auth/change-password',
        'GET /user/me',
        'GET /chatroom',
        'POST /chatroom/{id}/message',
        'GET /subscription/status',
        'POST /subscribe/pro',
      ]),
    );
    for (const operation of secured) {
      const response = await callWithoutToken(operation);
      expect({ ...operation, status: response.status }).toMatchObject({ status: 401 });
      expectUnauthorized(response);
    }
  });

  it('asks no token of any operation the document leaves public', async () => {
    const open = (await documentedOperations()).filter((operation) => !operation.secured);

    expect(open.map(({ method, path }) => `${method} ${path}`)).toEqual(
      expect.arrayContaining([
        'POST /auth/signup',
        'POST /auth/login',
        'POST /webhook/stripe',
        'GET /healthz',
      ]),
    );
    for (const operation of open) {
      const response = await callWithoutToken(operation);
      expect({ ...operation, code: response.body?.code }).not.toMatchObject({ code: 'UNAUTHORIZED' });
      expect(response.headers.get('WWW-Authenticate')).toBeNull();
    }
  });
});
