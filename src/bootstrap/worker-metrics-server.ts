import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { problem } from '#adapters/http/problem.ts';
import { type MetricsExposition, metricsRoutes } from '#adapters/http/routes/metrics.routes.ts';
import type { Logger } from '#application/ports/logger.ts';

export interface WorkerMetricsServerOptions {
  port: number;
  metrics: MetricsExposition;
  /** The bearer token GET /metrics requires (METRICS_TOKEN); none: it is open. */
  token: string | undefined;
  log: Logger;
}

/** A ROLE=worker process has no API: it answers GET /metrics and GET /healthz on METRICS_PORT, nothing else. */
export function serveWorkerMetrics(options: WorkerMetricsServerOptions): ServerType {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' as const }, 200));
  metricsRoutes(app, options.metrics, options.token);
  app.notFound((c) =>
    problem(c, 'NOT_FOUND', `No route for ${c.req.method} ${c.req.path} on the metrics port`),
  );
  return serve({ fetch: app.fetch, port: options.port, hostname: '0.0.0.0' }, (info) => {
    options.log.info({ port: info.port }, `worker metrics on http://localhost:${info.port}/metrics`);
  });
}
