// Counting Envoy's open downstream connections from its Prometheus stats, as Contour's shutdown
// command does: the sum of `envoy_http_downstream_cx_active` over every HTTP connection manager
// except those of Envoy's own admin, stats and health listeners.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** The admin path Contour polls: only the per-HCM active connection gauges (Envoy's raw stat names). */
export const openConnectionsStatsPath = '/stats/prometheus?filter=^http\\..*\\.downstream_cx_active$';

/** The gauge holding active downstream connections per HTTP connection manager. */
export const activeConnectionsStat = 'envoy_http_downstream_cx_active';

/** Connection-manager prefixes not counted: connections to these are Envoy's own (probes, scrapes). */
export const uncountedPrefixes: ReadonlySet<string> = new Set([
  'admin',
  'envoy-admin',
  'stats',
  'health',
  'stats-health',
]);

/** Sums the open downstream connections in Envoy's Prometheus stats; throws naming what is wrong. */
export const countOpenConnections = (statsText: string): number => {
  let families;
  try {
    families = parsePrometheusTextFormat(statsText);
  } catch (error) {
    throw new Error(`parsing Prometheus text format failed: ${(error as Error).message}`);
  }
  const family = families.find((candidate) => candidate.name === activeConnectionsStat);
  if (!family)
    throw new Error(`error finding Prometheus stat "${activeConnectionsStat}" in the request result`);
  let open = 0;
  for (const sample of family.metrics) {
    const labelValues = Object.values(sample.labels ?? {});
    // As Contour: a sample is skipped when any of its label values names an uncounted listener.
    if (labelValues.some((value) => uncountedPrefixes.has(value))) continue;
    const value = Number(sample.value);
    if (sample.value === undefined || !Number.isFinite(value)) {
      throw new Error(`${activeConnectionsStat}: value "${sample.value ?? ''}" is not a number`);
    }
    open += value;
  }
  return open;
};
