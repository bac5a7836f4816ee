import { createHash, timingSafeEqual } from 'node:crypto';
import type { Env, Hono } from 'hono';
import { problem } from '../problem.ts';

/** What the metrics route needs: the exposition, rendered at each scrape. */
export interface MetricsExposition {
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * GET /metrics in the Prometheus text format, outside the OpenAPI document (it is for the scraper, not for API
 * clients). With a token, only `Authorization: Bearer <token>` gets them; anyone else a 401 problem.
 */
export function metricsRoutes<E extends Env>(
  app: Hono<E>,
  metrics: MetricsExposition,
  token: string | undefined,
): void {
  app.get('/metrics', async (c) => {
    if (token !== undefined && !presents(c.req.header('Authorization'), token)) {
      return problem(c, 'UNAUTHORIZED', 'GET /metrics needs METRICS_TOKEN as a bearer token');
    }
    const { contentType, body } = await metrics.scrape();
    return c.body(body, 200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });
}

/** Compares digests in constant time, so the answer's timing tells nothing about the token. */
function presents(authorization: string | undefined, token: string): boolean {
  const presented = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
