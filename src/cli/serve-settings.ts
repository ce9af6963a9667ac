// Merges Contour's configuration (config file or ContourConfiguration) into the flags' ServeConfig, with
// Contour's precedence: defaults < config file < flags given on the command line; a ContourConfiguration
// replaces both (Contour ignores the flags it covers).
import type { ContourConfigurationSpec } from '../apis/contourconfiguration.js';
import { configFileToSpec, readContourConfigFile } from '../config/config-file.js';
import {
  checkOmEnforcedHealthEndpoint,
  settingsFromSpec,
  type FieldNaming,
  type SpecSettings,
} from '../config/settings.js';
import type { TranslateOptions } from '../envoy/options.js';
import type { BuildOptions } from '../dag/build.js';
import { formatterExtensionNames } from '../envoy/access-log.js';
import type { ServeConfig } from './config.js';

// SpecSettings keys whose flag, when given, wins over the config file (Contour binds these flags to the
// same Parameters fields the file fills). Keyed by commander's option key.
const flagOfSetting: Partial<Record<keyof SpecSettings, string>> = {
  ingressStatusAddress: 'ingressStatusAddress',
  envoyServiceName: 'envoyServiceName',
  envoyServiceNamespace: 'envoyServiceNamespace',
  accessLogFormat: 'accesslogFormat',
};

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;

/** Applies a spec's settings over `config`, except the settings whose flag is in `explicitFlags`. */
export const applySpecSettings = (
  config: ServeConfig,
  spec: ContourConfigurationSpec,
  naming: FieldNaming,
  explicitFlags: ReadonlySet<string>,
): ServeConfig => {
  const settings = settingsFromSpec(spec, naming);
  const { envoy, ...rest } = settings;
  const applied = Object.fromEntries(
    Object.entries(definedOnly(rest)).filter(([key]) => {
      const flag = flagOfSetting[key as keyof SpecSettings];
      return flag === undefined || !explicitFlags.has(flag);
    }),
  ) as Partial<ServeConfig>;
  const merged: ServeConfig = {
    ...config,
    ...applied,
    // Envoy's /ready listener stays where --stats-address/--stats-port say; metrics.envoy moves /stats only
    // (Contour's separate `stats` and `health` listeners when they differ).
    envoy: {
      healthAddress: config.statsAddress,
      healthPort: config.statsPort,
      ...definedOnly(config.envoy),
      ...definedOnly(envoy),
    },
  };
  // --accesslog-format (or the spec's format) picks the format; the fields and level come from the spec.
  if (merged.envoy.accessLogFormat)
    merged.envoy.accessLogFormat = { ...merged.envoy.accessLogFormat, format: merged.accessLogFormat };
  checkOmEnforcedHealthEndpoint(
    merged.envoy,
    {
      address: merged.envoy.healthAddress ?? merged.statsAddress,
      port: merged.envoy.healthPort ?? merged.statsPort,
    },
    { address: merged.statsAddress, port: merged.statsPort },
    naming,
  );
  return merged;
};

/** Applies Contour's config file (`--config-path`, or Contour's defaults without one) over the flags. */
export const applyConfigFile = (config: ServeConfig, explicitFlags: ReadonlySet<string>): ServeConfig => {
  const file = config.configPath ? readContourConfigFile(config.configPath) : {};
  const keep = (flag: string) => explicitFlags.has(flag);
  const withFileFields: ServeConfig = {
    ...config,
    inCluster: keep('incluster') ? config.inCluster : (file.incluster ?? config.inCluster),
    kubeconfig: keep('kubeconfig') ? config.kubeconfig : (file.kubeconfig ?? config.kubeconfig),
    debug: keep('debug') ? config.debug : (file.debug ?? config.debug),
    kubeClientQps: keep('kubernetesClientQps') ? config.kubeClientQps : (file.kubernetesClientQPS ?? 0),
    kubeClientBurst: keep('kubernetesClientBurst')
      ? config.kubeClientBurst
      : (file.kubernetesClientBurst ?? 0),
  };
  const spec = configFileToSpec(file);
  // Contour's file defaults (pkg/config Defaults) that differ from Envoy's.
  const timeouts = spec.envoy?.timeouts;
  if (timeouts) {
    timeouts.connectionIdleTimeout ??= '60s';
    timeouts.connectTimeout ??= '2s';
  }
  return finishServeConfig(applySpecSettings(withFileFields, spec, 'file', explicitFlags));
};

/** The build options of a ServeConfig; `unreadableKinds` is the live map the sources keep up to date. */
export const buildOptionsOf = (
  config: ServeConfig,
  unreadableKinds?: ReadonlyMap<string, string>,
): BuildOptions => ({
  rootNamespaces: config.rootNamespaces,
  ingressClassNames: config.ingressClassNames,
  enableExternalNameService: config.enableExternalNameService,
  disablePermitInsecure: config.disablePermitInsecure,
  globalHeadersPolicy: config.globalHeadersPolicy,
  fallbackCertificate: config.fallbackCertificate,
  clusterDefaults: config.clusterDefaults,
  limits: config.inputLimits,
  unreadableKinds,
});

/** The Envoy translation options of a ServeConfig: listener addresses and every Envoy setting. */
export const translateOptionsOf = (config: ServeConfig): TranslateOptions => ({
  ...config.envoy,
  // Routes carry their source object (kind, namespace, name) when the access log reads it with
  // %METADATA(ROUTE:…)% (Contour's contour_config_* fields); Contour tags every route always.
  routeSourceMetadata:
    config.envoy.routeSourceMetadata ??
    (config.envoy.accessLogFormat !== undefined &&
      formatterExtensionNames(config.envoy.accessLogFormat).includes('envoy.formatter.metadata')),
  httpAddress: config.envoyHttpAddress,
  httpPort: config.envoyHttpPort,
  httpsAddress: config.envoyHttpsAddress,
  httpsPort: config.envoyHttpsPort,
  statsAddress: config.statsAddress,
  statsPort: config.statsPort,
});

/** The checks Contour makes on the merged configuration. */
export const finishServeConfig = (config: ServeConfig): ServeConfig => {
  // Contour refuses one port for health over HTTP and metrics over HTTPS, for itself and for Envoy.
  const envoyHealth = {
    address: config.envoy.healthAddress ?? config.statsAddress,
    port: config.envoy.healthPort ?? config.statsPort,
  };
  if (
    config.envoy.statsTls &&
    envoyHealth.address === config.statsAddress &&
    envoyHealth.port === config.statsPort
  )
    throw new Error(
      `metrics.envoy (spec.envoy.metrics): cannot use single port for health over HTTP and metrics over HTTPS (${config.statsAddress}:${config.statsPort})`,
    );
  if (
    config.metricsTls &&
    (config.metricsAddress ?? config.healthAddress) === config.healthAddress &&
    (config.metricsPort ?? config.healthPort) === config.healthPort
  )
    throw new Error(
      `metrics.contour (spec.metrics): cannot use single port for health over HTTP and metrics over HTTPS (${config.healthAddress}:${config.healthPort})`,
    );
  if (config.watchNamespaces.length > 0) {
    const unwatched = config.rootNamespaces.filter(
      (namespace) => !config.watchNamespaces.includes(namespace),
    );
    if (unwatched.length > 0)
      throw new Error(
        `not all root namespaces are being watched (--watch-namespaces lacks ${unwatched.join(', ')})`,
      );
    const fallback = config.fallbackCertificate;
    if (fallback && !config.watchNamespaces.includes(fallback.namespace))
      throw new Error(`the fallbackCertificate namespace (${fallback.namespace}) must be watched`);
    const clientCertificate = config.clusterDefaults?.clientCertificate;
    if (clientCertificate && !config.watchNamespaces.includes(clientCertificate.namespace))
      throw new Error(
        `the clientCertificate namespace (${clientCertificate.namespace}) must be watched (--watch-namespaces)`,
      );
  }
  return config;
};
