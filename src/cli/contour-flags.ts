// The `contour serve` flags that carry Contour's configuration file, ContourConfiguration and Envoy settings
// (cmd/contour/serve.go registerServe in Contour): registration with Contour's names and defaults, and parsing.
import { Option, type Command } from 'commander';
import type { EnvoySettings } from '../config/settings.js';

/** Kinds `--disable-feature` accepts (Contour's list); contour-ts watches only `extensionservices` of them. */
export const disableableFeatures = [
  'extensionservices',
  'tlsroutes',
  'grpcroutes',
  'tcproutes',
  'backendtlspolicies',
] as const;
export type DisableableFeature = (typeof disableableFeatures)[number];

/** What these flags contribute to ServeConfig. */
export interface ContourFlagSettings {
  configPath?: string;
  contourConfigName?: string;
  accessLogFormat: 'envoy' | 'json';
  disabledFeatures: DisableableFeature[];
  kubeClientQps: number;
  kubeClientBurst: number;
  kubernetesDebug: number;
  envoy: EnvoySettings;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Registers Contour's configuration, access log, proxy protocol, feature and client flags on `serve`. */
export const registerContourFlags = (command: Command): Command =>
  command
    .option('-c, --config-path <file>', "path to Contour's configuration file")
    .option(
      '--contour-config-name <name>',
      'name of the ContourConfiguration to read (in $CONTOUR_NAMESPACE)',
    )
    .addOption(
      new Option('--accesslog-format <format>', 'format for Envoy access logs').choices(['envoy', 'json']),
    )
    .option('--envoy-http-access-log <path>', 'Envoy HTTP access log', '/dev/stdout')
    .option('--envoy-https-access-log <path>', 'Envoy HTTPS access log', '/dev/stdout')
    .option('--use-proxy-protocol', 'use PROXY protocol for all listeners', false)
    .addOption(
      new Option(
        '--disable-feature <kind>',
        `do not watch this kind (repeatable): ${disableableFeatures.join(', ')}`,
      ).argParser(collect),
    )
    .option(
      '--kubernetes-client-qps <qps>',
      'QPS allowed for the Kubernetes client (0: unlimited, or 5 when only the burst is set)',
    )
    .option(
      '--kubernetes-client-burst <burst>',
      'burst allowed for the Kubernetes client (0: unlimited, or 10 when only the QPS is set)',
    )
    .option(
      '--kubernetes-debug <level>',
      'log every Kubernetes API request with this verbosity (6 and up: with its query)',
    );

type Raw = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const number = (flag: string, value: unknown, integer: boolean): number => {
  if (value === undefined) return 0;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || (integer && !Number.isInteger(parsed)))
    throw new Error(
      `--${flag}: ${JSON.stringify(value)} is not a non-negative ${integer ? 'integer' : 'number'}`,
    );
  return parsed;
};

const features = (value: unknown): DisableableFeature[] => {
  const given = Array.isArray(value) ? (value as string[]) : [];
  const unknown = given.find((feature) => !(disableableFeatures as readonly string[]).includes(feature));
  if (unknown !== undefined)
    throw new Error(`--disable-feature: "${unknown}" is not one of ${disableableFeatures.join(', ')}`);
  return given as DisableableFeature[];
};

/** Validates these flags' raw values; throws an Error naming the flag. */
export const parseContourFlags = (raw: Raw): ContourFlagSettings => {
  const settings: ContourFlagSettings = {
    configPath: text(raw.configPath),
    contourConfigName: text(raw.contourConfigName),
    accessLogFormat: raw.accesslogFormat === 'json' ? 'json' : 'envoy',
    disabledFeatures: features(raw.disableFeature),
    kubeClientQps: number('kubernetes-client-qps', raw.kubernetesClientQps, false),
    kubeClientBurst: number('kubernetes-client-burst', raw.kubernetesClientBurst, true),
    kubernetesDebug: number('kubernetes-debug', raw.kubernetesDebug, true),
    envoy: {
      httpAccessLog: typeof raw.envoyHttpAccessLog === 'string' ? raw.envoyHttpAccessLog : undefined,
      httpsAccessLog: typeof raw.envoyHttpsAccessLog === 'string' ? raw.envoyHttpsAccessLog : undefined,
      useProxyProtocol: raw.useProxyProtocol === true,
    },
  };
  if (settings.configPath && settings.contourConfigName)
    throw new Error('cannot specify both --contour-config-name and -c/--config-path');
  return settings;
};
