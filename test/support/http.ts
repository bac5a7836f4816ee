import { ContainerModule, type ServiceIdentifier } from 'inversify';
import { PinoLogger } from '#adapters/system/pino-logger.ts';
import { loadConfig } from '#bootstrap/config.ts';
import { createRuntime, type Runtime } from '#bootstrap/runtime.ts';
import { createTestDatabase, type TestDatabase } from './services.ts';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';
export const TEST_WEBHOOK_SECRET = 'whsec_test_secret_for_signing_events';

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** A raw body sent as is (no JSON encoding). */
  raw?: string;
}

/** A JSON client over `app.request()`: no sockets, the whole middleware stack. */
export class TestClient {
  private readonly runtime: Runtime;

  constructor(runtime: Runtime) {
    this.runtime = runtime;
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    let payload: string | undefined = options.raw;
    if (body !== undefined && payload === undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await this.runtime.app.request(path, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    if (/json/.test(response.headers.get('Content-Type') ?? '') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, body, options);
  }

  patch<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PATCH', path, body, options);
  }

  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, undefined, options);
  }
}

export interface TestApp {
  runtime: Runtime;
  client: TestClient;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables on top of the test defaults. */
  env?: Record<string, string>;
  /** Bindings put in place of the configured ones: `replace(TOKENS.Clock, clock)`, `decorate(…)`. */
  overrides?: ContainerModule[];
}

/** Binds `token` to `value` instead of what the configuration chose. */
export function replace<T>(token: ServiceIdentifier<T>, value: T): ContainerModule {
  return new ContainerModule(({ rebind }) => {
    rebind(token).toConstantValue(value);
  });
}

/** Hands what the configuration bound to `token` to `wrap`, and binds what `wrap` returns instead. */
export function decorate<T>(token: ServiceIdentifier<T>, wrap: (value: T) => T): ContainerModule {
  return new ContainerModule(({ onActivation }) => {
    onActivation(token, (_, value) => wrap(value));
  });
}

/**
 * The service as configured by `env` on top of test defaults (silent logs, fixed secrets, short reply wait),
 * in memory unless the env names a database.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.env?.DATABASE_URL ? null : await appDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    DATABASE_URL: database?.url ?? 'memory',
    REPLY_WAIT_MS: '3000',
    OFFLINE_MODEL_WORD_MS: '0',
    APP_BASE_URL: 'http://localhost:3000',
    ...options.env,
  });
  const runtime = await createRuntime(config, new PinoLogger('silent'), options.overrides);
  return {
    runtime,
    client: new TestClient(runtime),
    async close() {
      await runtime.close();
      await database?.drop();
    },
  };
}

/**
 * TEST_APP_DATABASE=postgres (the `http-postgres` vitest project) runs the same HTTP suites on a fresh
 * PostgreSQL database per app; otherwise apps keep their data in memory.
 */
async function appDatabase(): Promise<TestDatabase | null> {
  if (process.env.TEST_APP_DATABASE !== 'postgres') return null;
  const database = await createTestDatabase();
  if (!database.available) throw new Error(`the http-postgres suites need PostgreSQL: ${database.reason}`);
  return database;
}

let mobileCounter = 0;

/** A fresh, valid mobile number per call. */
export function freshMobile(): string {
  mobileCounter += 1;
  return `+9198${String(process.pid % 1000).padStart(3, '0')}${String(mobileCounter).padStart(5, '0')}`;
}

/** Signs up a new user and signs in with a one-time code. */
export async function signedInUser(client: TestClient, input: { mobile?: string; password?: string } = {}) {
  const mobile = input.mobile ?? freshMobile();
  const signup = await client.post('/auth/signup', {
    mobile,
    ...(input.password ? { password: input.password } : {}),
  });
  if (signup.status !== 201) throw new Error(`signup failed: ${JSON.stringify(signup.body)}`);
  const sent = await client.post('/auth/send-otp', { mobile });
  const session = await client.post('/auth/verify-otp', { mobile, otp: sent.body.otp });
  if (session.status !== 200) throw new Error(`verify-otp failed: ${JSON.stringify(session.body)}`);
  return {
    mobile,
    token: session.body.token as string,
    user: session.body.user as { id: string; tier: string },
  };
}
