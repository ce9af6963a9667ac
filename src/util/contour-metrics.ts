// Contour's own metrics (its internal/metrics/metrics.go): the same names, labels, types and meaning,
// so Contour's dashboards and alerts work. They sit beside contour-ts's metrics, which stay.
import { Counter, Gauge, Summary } from 'prom-client';
import type { ObjectStatus } from '../apis/status.js';
import { buildInfo } from '../util/build-info.js';
import { metricsRegistry } from './metrics.js';

// Contour's summary objectives (quantiles); prom-client's sliding window as Go's default (10 min, 5 buckets).
const quantiles = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
const window = { maxAgeSeconds: 600, ageBuckets: 5 };
const registers = [metricsRegistry];

const buildInfoGauge = new Gauge({
  name: 'contour_build_info',
  help: 'Build information for Contour. Labels include the branch and git SHA that Contour was built from, and the Contour version.',
  labelNames: ['branch', 'revision', 'version'],
  registers,
});
const info = buildInfo();
buildInfoGauge.set({ branch: info.branch, revision: info.revision, version: info.version }, 1);

const dagRebuildTotal = new Counter({
  name: 'contour_dagrebuild_total',
  help: 'Total number of times DAG has been rebuilt since startup',
  registers,
});
const dagRebuildTimestamp = new Gauge({
  name: 'contour_dagrebuild_timestamp',
  help: 'Timestamp of the last DAG rebuild.',
  registers,
});
const dagRebuildSeconds = new Summary({
  name: 'contour_dagrebuild_seconds',
  help: 'Duration in seconds of DAG rebuilds',
  percentiles: quantiles,
  ...window,
  registers,
});

/** Records one DAG rebuild that took `seconds` and finished at `finishedAtMs`. */
export const recordDagRebuild = (seconds: number, finishedAtMs = Date.now()): void => {
  dagRebuildTotal.inc();
  dagRebuildTimestamp.set(Math.floor(finishedAtMs / 1000));
  dagRebuildSeconds.observe(seconds);
};

const proxyTotal = new Gauge({
  name: 'contour_httpproxy',
  help: 'Total number of HTTPProxies that exist regardless of status.',
  labelNames: ['namespace'],
  registers,
});
const proxyRoot = new Gauge({
  name: 'contour_httpproxy_root',
  help: 'Total number of root HTTPProxies. Note there will only be a single root HTTPProxy per vhost.',
  labelNames: ['namespace'],
  registers,
});
const proxyInvalid = new Gauge({
  name: 'contour_httpproxy_invalid',
  help: 'Total number of invalid HTTPProxies.',
  labelNames: ['namespace', 'vhost'],
  registers,
});
const proxyValid = new Gauge({
  name: 'contour_httpproxy_valid',
  help: 'Total number of valid HTTPProxies.',
  labelNames: ['namespace', 'vhost'],
  registers,
});
const proxyOrphaned = new Gauge({
  name: 'contour_httpproxy_orphaned',
  help: 'Total number of orphaned HTTPProxies which have no root delegating to them.',
  labelNames: ['namespace'],
  registers,
});

/** HTTPProxy counts by label set (a key is the labels' values joined by NUL). */
export interface HttpProxyCounts {
  total: Map<string, number>;
  root: Map<string, number>;
  valid: Map<string, number>;
  invalid: Map<string, number>;
  orphaned: Map<string, number>;
}

const labelKey = (...values: string[]): string => values.join('\u0000');
const bump = (counts: Map<string, number>, key: string): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

/**
 * Counts a build's HTTPProxies as Contour does: every proxy in `total`; by its Valid condition in
 * `valid` or `invalid` with its vhost (the root's fqdn, "" for an included proxy), or `orphaned`;
 * proxies with an fqdn in `root`. `fqdnOf` gives a proxy's spec.virtualhost.fqdn, if any.
 */
export const countHttpProxies = (
  statuses: readonly ObjectStatus[],
  fqdnOf: (namespace: string, name: string) => string | undefined,
): HttpProxyCounts => {
  const counts: HttpProxyCounts = {
    total: new Map(),
    root: new Map(),
    valid: new Map(),
    invalid: new Map(),
    orphaned: new Map(),
  };
  for (const status of statuses) {
    if (status.kind !== 'HTTPProxy') continue;
    const { namespace } = status;
    const fqdn = fqdnOf(namespace, status.name)?.trim() ?? '';
    const valid = status.conditions.find((condition) => condition.type === 'Valid');
    if (valid?.status === 'True') bump(counts.valid, labelKey(namespace, fqdn));
    else if (valid?.status === 'False') {
      if (valid.errors?.some((error) => error.type === 'Orphaned'))
        bump(counts.orphaned, labelKey(namespace));
      else bump(counts.invalid, labelKey(namespace, fqdn));
    }
    bump(counts.total, labelKey(namespace));
    if (fqdn !== '') bump(counts.root, labelKey(namespace));
  }
  return counts;
};

const publish = (gauge: Gauge, counts: Map<string, number>, labelNames: string[]): void => {
  // Label sets no longer present go away with the reset (Contour deletes them one by one).
  gauge.reset();
  for (const [key, value] of counts) {
    const values = key.split('\u0000');
    gauge.set(Object.fromEntries(labelNames.map((label, index) => [label, values[index]])), value);
  }
};

/** Sets the HTTPProxy gauges to the given counts; undefined clears them. */
export const setHttpProxyMetrics = (counts: HttpProxyCounts | undefined): void => {
  const empty = new Map<string, number>();
  publish(proxyTotal, counts?.total ?? empty, ['namespace']);
  publish(proxyRoot, counts?.root ?? empty, ['namespace']);
  publish(proxyValid, counts?.valid ?? empty, ['namespace', 'vhost']);
  publish(proxyInvalid, counts?.invalid ?? empty, ['namespace', 'vhost']);
  publish(proxyOrphaned, counts?.orphaned ?? empty, ['namespace']);
};

export interface HttpProxyMetricsPublisher {
  /** A build's statuses: the gauges follow them while enabled. */
  onBuild(statuses: readonly ObjectStatus[]): void;
  /** As Contour, only the leader exports HTTPProxy counts (a sum over replicas stays right). */
  setEnabled(enabled: boolean): void;
}

/** Keeps the HTTPProxy gauges equal to the latest build's statuses while enabled. */
export const createHttpProxyMetricsPublisher = (
  fqdnOf: (namespace: string, name: string) => string | undefined,
): HttpProxyMetricsPublisher => {
  let enabled = false;
  let latest: readonly ObjectStatus[] | undefined;
  const refresh = (): void =>
    setHttpProxyMetrics(enabled && latest ? countHttpProxies(latest, fqdnOf) : undefined);
  return {
    onBuild(statuses) {
      latest = statuses;
      if (enabled) refresh();
    },
    setEnabled(value) {
      if (value === enabled) return;
      enabled = value;
      refresh();
    },
  };
};

const statusLabels = { labelNames: ['kind'], registers };
const statusUpdateTotal = new Counter({
  name: 'contour_status_update_total',
  help: 'Total number of status updates by object kind.',
  ...statusLabels,
});
const statusUpdateSuccess = new Counter({
  name: 'contour_status_update_success_total',
  help: 'Number of status updates that succeeded by object kind.',
  ...statusLabels,
});
const statusUpdateNoop = new Counter({
  name: 'contour_status_update_noop_total',
  help: 'Number of status updates that are no-ops by object kind. This is a subset of successful status updates.',
  ...statusLabels,
});
const statusUpdateFailed = new Counter({
  name: 'contour_status_update_failed_total',
  help: 'Number of status updates that failed by object kind.',
  ...statusLabels,
});
const statusUpdateConflict = new Counter({
  name: 'contour_status_update_conflict_total',
  help: 'Number of status update conflicts encountered by object kind.',
  ...statusLabels,
});
const statusUpdateSeconds = new Summary({
  name: 'contour_status_update_duration_seconds',
  help: 'How long a status update takes to finish.',
  labelNames: ['kind', 'error'],
  percentiles: quantiles,
  ...window,
  registers,
});

/** Records one finished status update of an object (noop: nothing needed writing, a subset of success). */
export const recordStatusUpdate = (
  kind: string,
  outcome: 'written' | 'noop' | 'failed',
  seconds: number,
): void => {
  statusUpdateTotal.inc({ kind });
  if (outcome === 'failed') statusUpdateFailed.inc({ kind });
  else statusUpdateSuccess.inc({ kind });
  if (outcome === 'noop') statusUpdateNoop.inc({ kind });
  statusUpdateSeconds.observe({ kind, error: outcome === 'failed' ? 'true' : 'false' }, seconds);
};

/** Records a write refused with a conflict (it is retried). */
export const recordStatusConflict = (kind: string): void => {
  statusUpdateConflict.inc({ kind });
};

// Contour's event handler and object cache metrics: every change a source delivers, the objects held by
// kind, and the time to turn a build into the xDS cache.
const eventHandlerOperations = new Counter({
  name: 'contour_eventhandler_operation_total',
  help: 'Total number of Kubernetes object changes Contour has received by operation and object kind.',
  labelNames: ['op', 'kind'],
  registers,
});
const dagCacheObject = new Gauge({
  name: 'contour_dag_cache_object',
  help: 'Total number of items that are currently in the DAG cache.',
  labelNames: ['kind'],
  registers,
});
const cacheHandlerOnUpdate = new Summary({
  name: 'contour_cachehandler_onupdate_duration_seconds',
  help: 'Histogram for the runtime of xDS cache regeneration.',
  // Contour's objectives for this one: 0.5, 0.9 and 0.99.
  percentiles: [0.5, 0.9, 0.99],
  ...window,
  registers,
});

/** Counts one object change received from a source (an object without a kind counts as `unknown`). */
export const recordEventHandlerOperation = (op: 'add' | 'update' | 'delete', kind: string): void => {
  eventHandlerOperations.inc({ op, kind: kind || 'unknown' });
};

/** Sets the number of objects of a kind held for the build. */
export const setDagCacheObjects = (kind: string, count: number): void => {
  dagCacheObject.set({ kind }, count);
};

/** Records the time one build took to reach the xDS cache. */
export const recordCacheHandlerUpdate = (seconds: number): void => {
  cacheHandlerOnUpdate.observe(seconds);
};
