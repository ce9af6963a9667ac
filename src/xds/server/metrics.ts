// The xDS server's Prometheus metrics, registered once on the process registry.
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../../util/metrics.js';

const existing = <T>(name: string): T | undefined => metricsRegistry.getSingleMetric(name) as T | undefined;

/** NACKs received, by type URL. */
export const nackCounter: Counter<'type_url'> =
  existing<Counter<'type_url'>>('contour_xds_nack_total') ??
  new Counter({
    name: 'contour_xds_nack_total',
    help: 'Number of xDS responses rejected (NACKed) by clients.',
    labelNames: ['type_url'],
    registers: [metricsRegistry],
  });

/** xDS streams currently open. */
export const connectedClientsGauge: Gauge =
  existing<Gauge>('contour_xds_connected_clients') ??
  new Gauge({
    name: 'contour_xds_connected_clients',
    help: 'Number of xDS streams currently connected.',
    registers: [metricsRegistry],
  });
