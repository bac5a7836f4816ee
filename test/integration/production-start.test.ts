import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ServiceProcess } from '#test/support/server-process.ts';

/**
 * The service as an operator starts it: `node src/bootstrap/server.ts` in an empty directory (no .env) with an
 * environment holding nothing but what each test sets.
 */
let cwd: string;
const running = new Set<ServiceProcess>();

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'gemini-chat-production-'));
});

afterAll(async () => {
  await Promise.all([...running].map((service) => service.stop('SIGKILL')));
  await rm(cwd, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const service = new ServiceProcess(env, await freePort(), { cwd, cleanEnv: true });
  running.add(service);
  return service;
}

describe('NODE_ENV=production', () => {
  it('refuses to start on the stand-ins, naming every missing setting in one message', async () => {
    const service = await start({ NODE_ENV: 'production' });

    expect(await service.exited()).toBe(2);
    const lines = service.output.trim().split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    expect(lines).toHaveLength(5);
    for (const name of [
      'JWT_SECRET',
      'OTP_DELIVERY=response',
      'ALLOW_OTP_IN_RESPONSE=true',
      'GEMINI_API_KEY',
      'ALLOW_OFFLINE_MODEL=true',
      'STRIPE_SECRET_KEY',
      'ALLOW_OFFLINE_PAYMENTS=true',
    ]) {
      expect(service.output).toContain(name);
    }
  });

  it('starts with each stand-in allowed, warning about them and about the in-process database and queue', async () => {
    const service = await start({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-at-least-32-characters',
      DATABASE_URL: 'memory',
      ALLOW_OTP_IN_RESPONSE: 'true',
      ALLOW_OFFLINE_MODEL: 'true',
      ALLOW_OFFLINE_PAYMENTS: 'true',
    });

    await service.started(true);
    const warnings = service
      .logLines()
      .filter((line) => line.level === 40)
      .map((line) => line.msg);
    expect(warnings).toEqual([
      'DATABASE_URL=memory: nothing is kept across restarts',
      expect.stringMatching(/^REDIS_URL is not set: .*in this process only$/),
      'ALLOW_OTP_IN_RESPONSE=true: one-time codes are returned in HTTP responses',
      'ALLOW_OFFLINE_MODEL=true: replies come from the offline model',
      'ALLOW_OFFLINE_PAYMENTS=true: anyone can upgrade to Pro on the offline checkout page',
    ]);
    // Every request answered writes its line (formatted by PinoLogger.request) on stdout.
    await fetch(`${service.baseUrl}/healthz?probe=1`, { headers: { 'X-Request-Id': 'production-line' } });
    const line = await service.logLine((candidate) => candidate.reqId === 'production-line');
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      service: 'gemini-chat',
      reqId: 'production-line',
      method: 'GET',
      path: '/healthz',
      status: 200,
      ms: expect.any(Number),
      msg: 'request',
    });
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});

describe('offline payments', () => {
  it('prints the webhook secret it generated, so that events can be signed by hand', async () => {
    const service = await start({ DATABASE_URL: 'memory', LOG_LEVEL: 'info' });

    const line = await service.logLine((entry) => entry.msg?.startsWith('STRIPE_WEBHOOK_SECRET') === true);
    expect(line.msg).toMatch(
      /^STRIPE_WEBHOOK_SECRET is not set: webhooks are verified with whsec_local_\w+ for this run$/,
    );
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});

describe('a stop signal while the service is still starting', () => {
  it('is kept until start-up is done, then the service closes what it opened and exits 0 without serving', async () => {
    // The embedded database's first start (initdb) takes a second or more: the signal lands in the middle of it.
    const dataDir = join(cwd, 'starting');
    const service = await start({ DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    await service.logLine((entry) => entry.msg?.startsWith('STRIPE_WEBHOOK_SECRET') === true);
    expect(service.logLines().map((line) => line.msg)).not.toContainEqual(
      expect.stringMatching(/^adapters:/),
    );

    expect(await service.stop('SIGTERM')).toBe(0);
    const messages = service.logLines().map((line) => line.msg);
    expect(messages).toContain('shutting down before serving');
    expect(messages.at(-1)).toBe('stopped');
    expect(messages).not.toContainEqual(expect.stringMatching(/^listening/));
    expect(await fetch(`${service.baseUrl}/readyz`).catch(() => null)).toBeNull();

    // What it had opened was closed properly: the next start on the same data directory serves.
    const again = await start({ DATA_DIR: dataDir });
    await again.started(true);
    expect(await again.stop('SIGTERM')).toBe(0);
  }, 60_000);
});
