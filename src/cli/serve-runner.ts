// Wires the stages of `contour serve` together: the only place that does (DESIGN.md §1 "commands").
import type { Logger } from '../util/logger.js';
import { createLogger } from '../util/logger.js';
import { collectProcessMetrics, metricsRegistry } from '../util/metrics.js';
import { createHttpProxyMetricsPublisher } from '../util/contour-metrics.js';
import type { HttpProxy } from '../apis/httpproxy.js';
import { createReadiness } from '../lifecycle/readiness.js';
import { collectStartupGarbage } from '../lifecycle/startup-garbage.js';
import { createPipeline } from '../lifecycle/pipeline.js';
import { startHttpServer, type HttpEndpoint } from '../lifecycle/http-server.js';
import { debugRoutes } from '../lifecycle/debug-routes.js';
import { createStore } from '../store/store.js';
import { createSnapshotCache } from '../xds/cache/snapshot-cache.js';
import { startXdsServer, type XdsServer } from '../xds/server/xds-server.js';
import { createFilesSource } from '../sources/files/files-source.js';
import type { Source } from '../sources/source.js';
import type { ServeConfig } from './config.js';
import type { KubeClient } from '../sources/kubernetes/client.js';
import type { StatusController } from '../lifecycle/status-controller.js';
import { checkXdsTransportSecurity } from '../certs/transport-security.js';
import { createXdsServerCredentials } from '../certs/server-credentials.js';
import { addProxylessResources } from '../envoy/proxyless.js';
import type * as grpc from '@grpc/grpc-js';

/** A running `contour serve`, for tests that run it in-process. */
export interface RunningServe {
  health: HttpEndpoint;
  debug: HttpEndpoint;
  /** Resolves when SERVING (or rejects when start-up fails). */
  serving: Promise<void>;
  xdsPort(): number | undefined;
  stop(): Promise<void>;
}

// The Kubernetes client, source and status controller, loaded only in Kubernetes mode: serving a
// manifests directory should not pay for @kubernetes/client-node and undici at every start.
const loadKubernetesMode = async () => {
  const [client, source, status] = await Promise.all([
    import('../sources/kubernetes/client.js'),
    import('../sources/kubernetes/source.js'),
    import('../lifecycle/status-controller.js'),
  ]);
  return {
    createKubeClient: client.createKubeClient,
    loadKubeConfig: client.loadKubeConfig,
    createKubernetesSource: source.createKubernetesSource,
    startStatusController: status.startStatusController,
  };
};
type KubernetesMode = Awaited<ReturnType<typeof loadKubernetesMode>>;

const sourcesFor = (
  config: ServeConfig,
  logger: Logger,
  kube: { mode: KubernetesMode; client: KubeClient } | undefined,
  onKindProblem: (kind: string, problem: { message: string } | undefined) => void,
): Source[] => {
  if (config.manifests)
    return [
      createFilesSource(
        { directory: config.manifests, resyncPeriodMs: config.manifestsResyncPeriodMs },
        logger,
      ),
    ];
  if (!kube) throw new Error('Kubernetes mode needs a kubeconfig or an in-cluster configuration');
  return [
    kube.mode.createKubernetesSource(
      { client: kube.client, watchNamespaces: config.watchNamespaces, onKindProblem },
      logger,
    ),
  ];
};

/** The xDS server's credentials: mTLS from the TLS files (re-read on rotation), else plaintext where allowed. */
const xdsCredentials = (config: ServeConfig, logger: Logger): grpc.ServerCredentials | undefined => {
  const refusal = checkXdsTransportSecurity({
    address: config.xdsAddress,
    insecure: config.insecure,
    caFile: config.caFile,
    certFile: config.certFile,
    keyFile: config.keyFile,
  });
  if (refusal) throw new Error(refusal);
  if (!config.caFile || !config.certFile || !config.keyFile) return undefined;
  const result = createXdsServerCredentials(
    { caFile: config.caFile, certFile: config.certFile, keyFile: config.keyFile },
    { logger },
  );
  if (!result.ok) throw new Error(result.error);
  return result.credentials;
};

/** Starts every stage of `contour serve`; resolves once the HTTP endpoints listen. */
export const startServe = async (config: ServeConfig, logger: Logger): Promise<RunningServe> => {
  // Refuse an unsafe or broken xDS transport before anything starts.
  const credentials = xdsCredentials(config, logger);
  collectProcessMetrics();
  const store = createStore();
  const cache = createSnapshotCache();
  // Kubernetes mode: one client for the source, leader election and status writes.
  const mode = config.manifests ? undefined : await loadKubernetesMode();
  const kube = mode && {
    mode,
    client: mode.createKubeClient(
      mode.loadKubeConfig({ kubeconfig: config.kubeconfig, inCluster: config.inCluster }),
    ),
  };
  // Kinds that cannot be read (CRD missing, list forbidden) are found after start-up: they show up
  // as problems in /readyz (config degraded) and in the errors the build gives objects needing them.
  const unreadableKinds = new Map<string, string>();
  const sources = sourcesFor(config, logger, kube, (kind, problem) => {
    if (problem) unreadableKinds.set(kind, problem.message);
    else unreadableKinds.delete(kind);
    readiness.setProblem(`kind/${kind}`, problem?.message);
  });
  const readiness = createReadiness(sources.map((source) => source.name));
  let xds: XdsServer | undefined;
  let statusController: StatusController | undefined;
  // Contour's contour_httpproxy* gauges: exported by the leader only (every replica in standalone mode).
  const proxyMetrics = createHttpProxyMetricsPublisher((namespace, name) => {
    const fqdn = store.get<HttpProxy>('HTTPProxy', namespace, name)?.spec?.virtualhost?.fqdn;
    return typeof fqdn === 'string' ? fqdn : undefined;
  });
  if (!kube) proxyMetrics.setEnabled(true);

  const pipeline = createPipeline({
    sources,
    store,
    cache,
    readiness,
    buildOptions: {
      rootNamespaces: config.rootNamespaces,
      ingressClassNames: config.ingressClassNames,
      enableExternalNameService: config.enableExternalNameService,
      unreadableKinds,
    },
    translateOptions: {
      httpAddress: config.envoyHttpAddress,
      httpPort: config.envoyHttpPort,
      httpsAddress: config.envoyHttpsAddress,
      httpsPort: config.envoyHttpsPort,
      statsAddress: config.statsAddress,
      statsPort: config.statsPort,
    },
    // Incremental builds and EDS outside the build (DESIGN.md §2); full builds remain the reference path.
    incremental: true,
    holdoffDelayMs: config.holdoffDelayMs,
    holdoffMaxDelayMs: config.holdoffMaxDelayMs,
    logger,
    onBuild: (result) => {
      statusController?.onBuild(result.statuses);
      proxyMetrics.onBuild(result.statuses);
    },
    extend: config.proxylessGrpc
      ? (resources, dag) => addProxylessResources(resources, dag).resources
      : undefined,
    openServing: async () => {
      xds = await startXdsServer({
        cache,
        address: config.xdsAddress,
        port: config.xdsPort,
        logger,
        credentials,
        limits: config.xdsLimits,
      });
      readiness.setXdsClients(() => xds?.clients().length ?? 0);
      logger.info({ address: config.xdsAddress, port: xds.port }, 'xDS server listening');
    },
  });

  const health = await startHttpServer({
    name: 'health',
    address: config.healthAddress,
    port: config.healthPort,
    // kubelet probes by pod IP: any Host; GET/HEAD only, bounded connections.
    hosts: 'any',
    limits: config.httpLimits,
    logger,
    routes: {
      '/healthz': async () => ({ status: 200, body: { status: 'ok' } }),
      '/readyz': async () => ({ status: readiness.ready() ? 200 : 503, body: readiness.report() }),
      '/metrics': async () => ({
        status: 200,
        body: await metricsRegistry.metrics(),
        contentType: metricsRegistry.contentType,
      }),
    },
  });
  const debug = await startHttpServer({
    name: 'debug',
    address: config.debugAddress,
    port: config.debugPort,
    // Loopback names only: a web page cannot reach the debug pages through DNS rebinding.
    hosts: 'loopback',
    limits: config.httpLimits,
    logger,
    routes: debugRoutes({ pipeline, cache, readiness, xdsClients: () => xds?.clients() ?? [] }),
  });

  if (kube) {
    statusController = kube.mode.startStatusController({
      client: kube.client,
      logger,
      store,
      ingressClassNames: config.ingressClassNames,
      ingressStatusAddress: config.ingressStatusAddress,
      envoyService: { namespace: config.envoyServiceNamespace, name: config.envoyServiceName },
      leaderElection: {
        disabled: config.leaderElection.disabled,
        namespace: config.leaderElection.resourceNamespace,
        name: config.leaderElection.resourceName,
        identity: config.leaderElection.identity,
        leaseDurationMs: config.leaderElection.leaseDurationMs,
        renewDeadlineMs: config.leaderElection.renewDeadlineMs,
        retryPeriodMs: config.leaderElection.retryPeriodMs,
      },
      onLeaderChange: (leader) => {
        readiness.setLeader(leader);
        proxyMetrics.setEnabled(leader);
      },
    });
  }
  readiness.onPhase((phase) => logger.info({ phase }, 'readiness phase'));
  readiness.onPhase((phase) => {
    if (phase !== 'SERVING') return;
    // Once serving, drop start-up's garbage (src/lifecycle/startup-garbage.ts); after the first
    // responses have gone out, so it never delays readiness.
    setTimeout(() => {
      const collected = collectStartupGarbage();
      if (collected)
        logger.info(
          {
            heapUsedMbBefore: Math.round(collected.before / 2 ** 20),
            heapUsedMbAfter: Math.round(collected.after / 2 ** 20),
            ms: Math.round(collected.ms),
          },
          'start-up garbage collected',
        );
    }, 100).unref();
  });
  const serving = pipeline.start();
  serving.catch((error: Error) => logger.error({ error: error.message }, 'start-up failed'));

  let stopping: Promise<void> | undefined;
  return {
    health,
    debug,
    serving,
    xdsPort: () => xds?.port,
    stop: () =>
      (stopping ??= (async () => {
        // Status first: a leader releases its Lease at once so a successor takes over.
        await statusController?.stop();
        await pipeline.stop();
        await xds?.close();
        await Promise.all([health.close(), debug.close()]);
      })()),
  };
};

/** Runs `contour serve` until SIGTERM/SIGINT. */
export const runServe = async (config: ServeConfig): Promise<void> => {
  const logger = createLogger({ format: config.logFormat, debug: config.debug });
  let running: RunningServe;
  try {
    running = await startServe(config, logger);
    await running.serving;
  } catch (error) {
    logger.fatal({ error: (error as Error).message }, 'contour serve failed to start');
    process.exit(1);
  }
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ error: error.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
};
