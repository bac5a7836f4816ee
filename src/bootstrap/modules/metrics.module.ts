import { ContainerModule } from 'inversify';
import { PrometheusMetrics } from '#adapters/metrics/prometheus-metrics.ts';
import { TOKENS } from '../tokens.ts';

/** Prometheus metrics, one registry per container; the core records through the Metrics port. */
export const metricsModule = new ContainerModule(({ bind }) => {
  bind(TOKENS.PrometheusMetrics).toResolvedValue(() => new PrometheusMetrics());
  bind(TOKENS.Metrics).toService(TOKENS.PrometheusMetrics);
});
