import type { EmbeddedDatabase } from '#adapters/persistence/postgres/embedded-database.ts';
import { dropPrestartedThread } from '#adapters/persistence/postgres/pglite-thread.ts';
import { PinoLogger } from '#adapters/system/pino-logger.ts';
import { ConfigError, loadConfig } from './config.ts';
import { startupWarnings } from './startup-warnings.ts';

/**
 * The service, imported by the entry point (server.ts, which has read .env): config → connections → container →
 * HTTP (and the worker when ROLE allows). The runtime (the rest of the service) is imported once the embedded
 * database has started opening.
 */
async function main(): Promise<void> {
  // Signals are heard from the first line: a SIGTERM while the service is still starting (opening its database, say)
  // is kept and acted on once there is something to close, instead of killing the process half-started.
  let stop: ((signal: string) => Promise<void>) | undefined;
  let stopAsked: string | undefined;
  const onSignal = (signal: string) => {
    if (stop) void stop(signal);
    else stopAsked ??= signal;
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  const config = loadConfig();
  const log = new PinoLogger(config.logLevel);
  for (const warning of startupWarnings(config)) log.warn({}, warning);
  if (config.stripe.webhookSecretGenerated) {
    // Printed so that webhooks can be signed by hand against the offline checkout (see README).
    log.info(
      {},
      `STRIPE_WEBHOOK_SECRET is not set: webhooks are verified with ${config.stripe.webhookSecret} for this run`,
    );
  }
  // The embedded database opens in a thread of its own while this one loads the rest of the service (~1,400 modules):
  // on a restart the two take about as long, and one after the other they took twice as long.
  let embedded: Promise<EmbeddedDatabase> | undefined;
  if (config.database.url) dropPrestartedThread();
  else {
    const { startEmbedded } = await import('#adapters/persistence/postgres/embedded-database.ts');
    embedded = (await startEmbedded(config.database.dataDir)).ready;
    embedded.catch(() => {}); // the runtime awaits it, and reports its failure
  }
  const [{ createRuntime }, { serveApi }, { serveWorkerMetrics }] = await Promise.all([
    import('./runtime.ts'),
    import('#adapters/http/response-headers.ts'),
    import('./worker-metrics-server.ts'),
  ]);
  const runtime = await createRuntime(config, log, [], embedded);
  log.info(
    { role: config.role, ...runtime.adapters },
    `adapters: ${Object.entries(runtime.adapters)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  log.flush();
  if (stopAsked !== undefined) {
    log.info({ signal: stopAsked }, 'shutting down before serving');
    await runtime.close();
    log.info({}, 'stopped');
    process.exit(0);
  }

  const server =
    config.role === 'worker'
      ? null
      : serveApi(runtime.app, { port: config.port, hostname: '0.0.0.0' }, (info) => {
          log.info(
            { port: info.port },
            `listening on http://localhost:${info.port} (the chat at /app, the API reference at /docs)`,
          );
          log.flush();
        });
  const { port: metricsPort, token } = config.metrics;
  const metricsServer =
    config.role === 'worker' && metricsPort !== undefined
      ? serveWorkerMetrics({ port: metricsPort, metrics: runtime.metrics, token, log })
      : null;

  let stopping = false;
  stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const forced = setTimeout(() => {
      log.error({}, 'shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    forced.unref();
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
    }
    await runtime.close();
    // Last, so a draining worker is still scraped and live (close() drops a scraper's idle kept-alive connection).
    if (metricsServer) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    log.info({}, 'stopped');
    process.exit(0);
  };
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
