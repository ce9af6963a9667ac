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
import { createSecretChecks, type PrimedSecretCheck, type SecretChecks } from '../certs/secret-checks.js';
import type { Source } from '../sources/source.js';
import type { ServeConfig } from './config.js';
import type { KubeClient } from '../sources/kubernetes/client.js';
import type { LoadedContourConfiguration } from '../config/contour-configuration-source.js';
import {
  applySpecSettings,
  buildOptionsOf,
  finishServeConfig,
  translateOptionsOf,
} from './serve-settings.js';
import type { StatusController } from '../lifecycle/status-controller.js';
import { checkXdsTransportSecurity } from '../certs/transport-security.js';
import { createXdsServerCredentials } from '../certs/server-credentials.js';
import { addProxylessResources } from '../envoy/proxyless.js';
import type * as grpc from '@grpc/grpc-js';

/** A running `contour serve`, for tests that run it in-process. */
export interface RunningServe {
  health: HttpEndpoint;
  /** Contour's metrics server: the health server itself when they share an address and port. */
  metrics: HttpEndpoint;
  debug: HttpEndpoint;
  /** Resolves when SERVING (or rejects when start-up fails). */
  serving: Promise<void>;
  xdsPort(): number | undefined;
  stop(): Promise<void>;
}

// The Kubernetes client, source and status controller, loaded only in Kubernetes mode: serving a
// manifests directory should not pay for @kubernetes/client-node and undici at every start.
const loadKubernetesMode = async () => {
  const [client, source, status, resources, contourConfiguration] = await Promise.all([
    import('../sources/kubernetes/client.js'),
    import('../sources/kubernetes/source.js'),
    import('../lifecycle/status-controller.js'),
    import('../sources/kubernetes/resources.js'),
    import('../config/contour-configuration-source.js'),
  ]);
  return {
    loadContourConfiguration: contourConfiguration.loadContourConfiguration,
    writeContourConfigurationStatus: contourConfiguration.writeContourConfigurationStatus,
    resourceTypes: resources.resourceTypes,
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
  secretChecks: SecretChecks,
): Source[] => {
  if (config.manifests) {
    const primeSecretChecks = (checks: PrimedSecretCheck[]): void => secretChecks.prime(checks);
    return [
      createFilesSource(
        {
          directory: config.manifests,
          resyncPeriodMs: config.manifestsResyncPeriodMs,
          primeSecretChecks,
          limits: config.manifestFileLimits,
        },
        logger,
      ),
    ];
  }
  if (!kube) throw new Error('Kubernetes mode needs a kubeconfig or an in-cluster configuration');
  // --disable-feature: of Contour's list, only ExtensionService is a kind contour-ts watches.
  const resources = config.disabledFeatures.includes('extensionservices')
    ? kube.mode.resourceTypes.filter((resource) => resource.kind !== 'ExtensionService')
    : undefined;
  return [
    kube.mode.createKubernetesSource(
      { client: kube.client, watchNamespaces: config.watchNamespaces, onKindProblem, resources },
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

/**
 * `--contour-config-name`: the ContourConfiguration in the controller's namespace replaces the settings it
 * covers (read once at start-up, as Contour). An invalid one is reported in its status and refused.
 */
const withContourConfiguration = async (
  config: ServeConfig,
  kube: { mode: KubernetesMode; client: KubeClient } | undefined,
): Promise<{ config: ServeConfig; contourConfiguration?: LoadedContourConfiguration }> => {
  const name = config.contourConfigName;
  if (!name) return { config };
  if (!kube) throw new Error('--contour-config-name needs Kubernetes mode (not --manifests)');
  const namespace = process.env.CONTOUR_NAMESPACE || 'projectcontour';
  const loaded = await kube.mode.loadContourConfiguration(kube.client, namespace, name);
  if (!loaded.result.ok) {
    await kube.mode.writeContourConfigurationStatus(kube.client, loaded).catch(() => undefined);
    throw new Error(`ContourConfiguration ${namespace}/${name} is invalid: ${loaded.result.error}`);
  }
  return {
    config: finishServeConfig(applySpecSettings(config, loaded.result.spec, 'crd', new Set())),
    contourConfiguration: loaded,
  };
};

/** Starts every stage of `contour serve`; resolves once the HTTP endpoints listen. */
export const startServe = async (flagsConfig: ServeConfig, logger: Logger): Promise<RunningServe> => {
  // Kubernetes mode: one client for the source, leader election and status writes.
  const mode = flagsConfig.manifests ? undefined : await loadKubernetesMode();
  const kube = mode && {
    mode,
    client: mode.createKubeClient(
      mode.loadKubeConfig({ kubeconfig: flagsConfig.kubeconfig, inCluster: flagsConfig.inCluster }),
      {
        rateLimit: { qps: flagsConfig.kubeClientQps, burst: flagsConfig.kubeClientBurst },
        // --kubernetes-debug (klog's verbosity in Contour): the requests are logged whatever --debug says.
        requestLog: {
          logger: logger.child({ context: 'kubernetes' }, { level: 'debug' }),
          verbosity: flagsConfig.kubernetesDebug,
        },
      },
    ),
  };
  const { config, contourConfiguration } = await withContourConfiguration(flagsConfig, kube);
  // Refuse an unsafe or broken xDS transport before anything starts.
  const credentials = xdsCredentials(config, logger);
  collectProcessMetrics();
  const store = createStore();
  const cache = createSnapshotCache();
  // Kinds that cannot be read (CRD missing, list forbidden) are found after start-up: they show up
  // as problems in /readyz (config degraded) and in the errors the build gives objects needing them.
  const unreadableKinds = new Map<string, string>();
  // The parser threads' Secret checks go to the engine's builds (no module state in between).
  const secretChecks = createSecretChecks();
  const sources = sourcesFor(
    config,
    logger,
    kube,
    (kind, problem) => {
      if (problem) unreadableKinds.set(kind, problem.message);
      else unreadableKinds.delete(kind);
      readiness.setProblem(`kind/${kind}`, problem?.message);
    },
    secretChecks,
  );
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
    buildOptions: buildOptionsOf(config, unreadableKinds),
    translateOptions: translateOptionsOf(config),
    // Incremental builds and EDS outside the build (DESIGN.md §2); full builds remain the reference path.
    incremental: true,
    secretChecks,
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

  // Contour's health and metrics servers: one when they share an address and port (never over TLS: Contour
  // refuses that, see finishServeConfig), else /metrics on its own listener.
  const metricsRoutes = {
    '/metrics': async () => ({
      status: 200,
      body: await metricsRegistry.metrics(),
      contentType: metricsRegistry.contentType,
    }),
  };
  const metricsAddress = config.metricsAddress ?? config.healthAddress;
  const metricsPort = config.metricsPort ?? config.healthPort;
  const shared = metricsAddress === config.healthAddress && metricsPort === config.healthPort;
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
      ...(shared ? metricsRoutes : {}),
    },
  });
  const metrics = shared
    ? health
    : await startHttpServer({
        name: 'metrics',
        address: metricsAddress,
        port: metricsPort,
        // Scrapers come by pod IP too; the same protections as the health server.
        hosts: 'any',
        limits: config.httpLimits,
        logger,
        routes: metricsRoutes,
        tls: config.metricsTls,
      }).catch(async (error: unknown) => {
        await health.close();
        throw error;
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
        // The leader reports the ContourConfiguration it runs with as Valid.
        if (leader && contourConfiguration)
          kube.mode
            .writeContourConfigurationStatus(kube.client, contourConfiguration)
            .catch((error: Error) =>
              logger.warn({ error: error.message }, 'ContourConfiguration status not written'),
            );
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
    metrics,
    debug,
    serving,
    xdsPort: () => xds?.port,
    stop: () =>
      (stopping ??= (async () => {
        // Status first: a leader releases its Lease at once so a successor takes over.
        await statusController?.stop();
        await pipeline.stop();
        await xds?.close();
        await Promise.all([health.close(), debug.close(), shared ? undefined : metrics.close()]);
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
