import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FakeTwilio,
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  TWILIO_FROM_NUMBER,
} from '#test/support/fake-twilio.ts';
import { call, freePort, offlineServiceEnv, ServiceProcess } from '#test/support/server-process.ts';

/** A slow SMS provider keeps a send-otp request in flight while the signal arrives. */
const SMS_DELAY_MS = 1_500;

let twilio: FakeTwilio;
const running = new Set<ServiceProcess>();
/** The node processes npm started: a failing test must not leave one serving. */
const servers = new Set<number>();

beforeAll(async () => {
  twilio = await FakeTwilio.start();
  twilio.answerAfter(SMS_DELAY_MS);
});

afterAll(async () => {
  await Promise.all([...running].map((service) => service.stop('SIGKILL')));
  for (const pid of servers) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  await twilio?.close();
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm start` in its own process group, as a terminal or a process manager starts it. */
async function npmStart(): Promise<ServiceProcess> {
  const service = new ServiceProcess(
    {
      ...offlineServiceEnv(),
      DATABASE_URL: 'memory',
      OTP_DELIVERY: 'twilio',
      TWILIO_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN,
      TWILIO_FROM_NUMBER,
      TWILIO_API_BASE: twilio.apiBase,
    },
    await freePort(),
    { command: ['npm', 'start'], detached: true },
  );
  running.add(service);
  return service;
}

describe('npm start', () => {
  it.each([
    ['SIGTERM to the npm process', (npm: number) => process.kill(npm, 'SIGTERM')],
    ['SIGINT to its process group (Ctrl-C in a terminal)', (npm: number) => process.kill(-npm, 'SIGINT')],
  ])(
    'shuts the service down gracefully on %s: the request in flight completes, then every process exits',
    async (_, signal) => {
      const service = await npmStart();
      await service.started(true);
      const node = (await service.logLine((line) => line.msg?.startsWith('listening') === true))
        .pid as number;
      servers.add(node);
      const npm = service.child.pid!;
      expect(node).not.toBe(npm);

      const mobile = `+9196${String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
      expect((await call(service.baseUrl, 'POST', '/auth/signup', { body: { mobile } })).status).toBe(201);
      const inFlight = call(service.baseUrl, 'POST', '/auth/send-otp', { body: { mobile } });
      while (!twilio.requests.some((request) => request.to === mobile)) await sleep(20);
      signal(npm);

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ mobile, expiresIn: 300 });
      expect(await service.exited()).toBe(0);
      expect(isRunning(node)).toBe(false);
      const messages = service.logLines().map((line) => line.msg);
      expect(messages).toContain('shutting down');
      expect(messages.at(-1)).toBe('stopped');
    },
    60_000,
  );
});
