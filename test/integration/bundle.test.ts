import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, currentBundle } from '#bootstrap/bundle.ts';
import { deleteKeys } from '#test/support/redis-keys.ts';
import {
  call,
  freePort,
  newChatroom,
  offlineServiceEnv,
  ServiceProcess,
  signedUpUser,
} from '#test/support/server-process.ts';
import { createTestDatabase, testRedis, withServices } from '#test/support/services.ts';

/** A message sent through a running service, answered (the offline model) through its queue. */
async function sendsAndIsAnswered(service: ServiceProcess): Promise<void> {
  const token = await signedUpUser(service.baseUrl);
  const chatroomId = await newChatroom(service.baseUrl, token, 'Bundled');
  const sent = await call(service.baseUrl, 'POST', `/chatroom/${chatroomId}/message`, {
    token,
    body: { content: 'Are you bundled?' },
  });
  expect(sent.status).toBe(201);
  expect(sent.body.reply).toMatchObject({ role: 'model', status: 'completed' });
  expect(sent.body.reply.content.length).toBeGreaterThan(0);
  const list = await call(service.baseUrl, 'GET', '/chatroom', { token });
  expect(list.body.chatrooms.map((room: { id: string }) => room.id)).toEqual([chatroomId]);
}

/**
 * `npm start` runs the service bundled (src/bootstrap/bundle.ts, start.ts): the bundle must be the service, whole
 * (its database opened in its thread from the migrations and the template in src/, the web client, the API
 * reference, a reply from the queue), and must be built again when a file it holds has changed.
 */
const database = await createTestDatabase();
const redis = await testRedis();
const START = new URL('../../src/bootstrap/start.ts', import.meta.url).pathname;
const PROJECT_CACHE = new URL('../../.cache', import.meta.url).pathname;
const running = new Set<ServiceProcess>();
let scratch: string;
let bundleDir: string;
let entry: string;

beforeAll(async () => {
  // Inside the project, as dist/ is: the packages left outside the bundle are found from there (node_modules).
  await mkdir(PROJECT_CACHE, { recursive: true });
  scratch = await mkdtemp(join(PROJECT_CACHE, 'bundle-test-'));
  bundleDir = join(scratch, 'dist');
  entry = await buildBundle(bundleDir);
}, 60_000);

afterAll(async () => {
  await Promise.all([...running].map((service) => service.stop('SIGKILL')));
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** What `npm start` runs (see the test of package.json below), without npm in between: a kill reaches the service. */
async function npmStart(env: Record<string, string>): Promise<ServiceProcess> {
  const service = new ServiceProcess({ ...offlineServiceEnv(), ...env }, await freePort(), {
    command: [process.execPath, START],
  });
  running.add(service);
  return service;
}

describe('the bundle', () => {
  it('is current right after its build, and names what it was built from with their times and sizes', async () => {
    expect(currentBundle(bundleDir)).toBe(entry);
    expect(existsSync(`${entry}.map`)).toBe(true);
    const manifest = JSON.parse(await readFile(join(bundleDir, 'manifest.json'), 'utf8'));
    const inputs = Object.keys(manifest.inputs);
    expect(inputs).toEqual(
      expect.arrayContaining([
        'src/bootstrap/server.ts',
        'src/bootstrap/main.ts',
        'src/bootstrap/bundle.ts',
        'package.json',
      ]),
    );
    expect(inputs.some((input) => input.startsWith('node_modules/hono/'))).toBe(true);
    const { mtimeMs, size } = await stat(new URL('../../src/bootstrap/main.ts', import.meta.url));
    expect(manifest.inputs['src/bootstrap/main.ts']).toEqual([mtimeMs, size]);
  });

  it('is stale once a file it holds has another time or size (earlier too), or is gone, or its entry is gone', async () => {
    const path = join(bundleDir, 'manifest.json');
    const manifest = JSON.parse(await readFile(path, 'utf8'));
    const [mtimeMs, size] = manifest.inputs['src/bootstrap/main.ts'];
    const withMain = (recorded: [number, number]) => ({
      ...manifest,
      inputs: { ...manifest.inputs, 'src/bootstrap/main.ts': recorded },
    });
    try {
      for (const changed of [
        withMain([mtimeMs + 1000, size]), // a file copied in with an earlier time than it had
        withMain([mtimeMs - 1000, size]), // edited since
        withMain([mtimeMs, size + 1]),
        withMain([-1, -1]), // changed while it was bundled
        { ...manifest, inputs: { ...manifest.inputs, 'src/gone.ts': [mtimeMs, size] } },
        { ...manifest, entry: 'gone.js' },
        { build: manifest.build, entry: manifest.entry }, // not a manifest of this shape
      ]) {
        await writeFile(path, JSON.stringify(changed));
        expect(currentBundle(bundleDir)).toBeUndefined();
      }
    } finally {
      await writeFile(path, JSON.stringify(manifest));
    }
    expect(currentBundle(bundleDir)).toBe(entry);
  });

  it('is none in an empty directory', () => {
    expect(currentBundle(join(scratch, 'none'))).toBeUndefined();
  });
});

describe('npm start', () => {
  it('is start.ts, as is npm run worker', async () => {
    const { scripts } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(scripts.start).toMatch(/ src\/bootstrap\/start\.ts$/);
    expect(scripts.worker).toMatch(/ src\/bootstrap\/start\.ts$/);
  });

  it('runs the current bundle: the embedded database, a reply, the web client and the API reference', async () => {
    const dataDir = join(scratch, 'data');
    const service = await npmStart({ SERVICE_BUNDLE_DIR: bundleDir, DATA_DIR: dataDir });
    await service.started(true, 60_000);
    expect(service.logLines().map((line) => line.msg)).toContain(
      `running the service from ${join(bundleDir, entry.slice(bundleDir.length + 1))}`.replace(
        `${process.cwd()}/`,
        '',
      ),
    );
    expect(service.logLines().find((line) => line.msg?.startsWith('adapters:'))).toMatchObject({
      database: `embedded-postgres (pglite) at ${dataDir}`,
    });

    await sendsAndIsAnswered(service);

    const app = await fetch(`${service.baseUrl}/app`);
    expect(app.status).toBe(200);
    expect(await app.text()).toContain('<html');
    // Swagger UI's files, read from swagger-ui-dist's folder (left outside the bundle).
    const page = await (await fetch(`${service.baseUrl}/docs`)).text();
    const script = /\/docs\/assets\/[^"]+\.js/.exec(page)?.[0];
    expect(script).toBeDefined();
    const docs = await fetch(`${service.baseUrl}${script}`);
    expect(docs.status).toBe(200);
    expect((await docs.text()).length).toBeGreaterThan(100_000);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 90_000);

  it('runs the sources, and says so, with SERVICE_BUNDLE=off or where it cannot bundle', async () => {
    const blocked = join(scratch, 'a-file');
    await writeFile(blocked, '');
    const cases: Record<string, string>[] = [
      { SERVICE_BUNDLE: 'off', SERVICE_BUNDLE_DIR: bundleDir },
      { SERVICE_BUNDLE_DIR: join(blocked, 'dist') },
    ];
    for (const env of cases) {
      const service = await npmStart({ ...env, DATABASE_URL: 'memory' });
      await service.started(true, 60_000);
      const notes = service.logLines().filter((line) => line.msg?.includes('the service'));
      expect(notes.at(-1)?.msg).toBe('running the service from its sources');
      if (!env.SERVICE_BUNDLE) {
        expect(notes[0]).toMatchObject({ level: 40 });
        expect(notes[0]?.msg).toMatch(
          /^could not bundle the service \(.*ENOTDIR.*\); running it from its sources$/,
        );
      }
      expect(await signedUpUser(service.baseUrl)).toMatch(/^ey/);
      expect(await service.stop('SIGTERM')).toBe(0);
    }
  }, 90_000);

  it('bundles the service first when there is no bundle, then runs it', async () => {
    const fresh = join(scratch, 'fresh');
    const service = await npmStart({ SERVICE_BUNDLE_DIR: fresh, DATABASE_URL: 'memory' });
    await service.started(true, 60_000);
    const built = service.logLines().find((line) => line.msg?.startsWith('bundled the service into'));
    expect(built?.msg).toMatch(/ in \d+ ms/);
    const current = currentBundle(fresh);
    expect(current && existsSync(current)).toBe(true);
    expect(await signedUpUser(service.baseUrl)).toMatch(/^ey/);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 90_000);
});

withServices([database, redis], (db, space) => {
  afterAll(async () => {
    await deleteKeys(space.url, space.prefix);
    await db.drop();
  });

  it('runs the bundle on PostgreSQL and Redis: migrations applied, a reply through BullMQ', async () => {
    const service = await npmStart({
      SERVICE_BUNDLE_DIR: bundleDir,
      DATABASE_URL: db.url,
      REDIS_URL: space.url,
      REDIS_KEY_PREFIX: space.prefix,
    });
    await service.started(true, 60_000);
    expect(service.logLines().some((line) => line.msg?.startsWith('running the service from'))).toBe(true);
    expect(service.logLines().find((line) => line.msg?.startsWith('adapters:'))).toMatchObject({
      cache: 'redis',
      queue: 'bullmq (worker, concurrency 32)',
    });
    await sendsAndIsAnswered(service);
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
