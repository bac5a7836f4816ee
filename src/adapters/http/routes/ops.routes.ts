import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from '#application/ports/logger.ts';
import type { AppEnv } from '../auth-middleware.ts';
import type { HealthCheck } from '../health-check.ts';
import { json, problems } from '../openapi.ts';
import { problem } from '../problem.ts';

const CHECK_TIMEOUT_MS = 2000;

/** Runs one check with a deadline; the reason of a failure goes to the log, not to the unauthenticated caller. */
async function probe(check: HealthCheck, log: Logger): Promise<'ok' | 'failing'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return 'ok';
  } catch (error) {
    log.warn({ err: error, check: check.name }, 'readiness check failed');
    return 'failing';
  } finally {
    clearTimeout(timer);
  }
}

export function opsRoutes(app: OpenAPIHono<AppEnv>, healthChecks: HealthCheck[], log: Logger): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['Operations'],
      summary: 'Liveness: the process runs',
      responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['Operations'],
      summary: 'Readiness: the database and (when configured) Redis answer',
      responses: {
        200: json(
          z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }),
          'Ready',
        ),
        ...problems([503, 'NOT_READY, with the failing checks']),
      },
    }),
    async (c) => {
      const results = await Promise.all(
        healthChecks.map(async (check) => [check.name, await probe(check, log)] as const),
      );
      const checks = Object.fromEntries(results);
      if (results.every(([, result]) => result === 'ok'))
        return c.json({ status: 'ready' as const, checks }, 200);
      const failing = results.filter(([, result]) => result !== 'ok').map(([name]) => name);
      return problem(c, 'NOT_READY', `Not ready: ${failing.join(', ')}`, { extensions: { checks } }) as never;
    },
  );
}
