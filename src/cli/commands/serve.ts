// `contour serve`: watch objects, build, and serve Envoy configuration over xDS.
import { Command, Option } from 'commander';
import {
  inputLimitFlags,
  manifestFileLimitFlags,
  parseServeConfig,
  type RawServeOptions,
  type ServeConfig,
} from '../config.js';
import { defaultInputLimits } from '../../dag/limits.js';
import { defaultManifestFileLimits } from '../../sources/files/file-limits.js';
import { registerContourFlags } from '../contour-flags.js';
import { applyConfigFile } from '../serve-settings.js';
import { addGlobalOptions, logFormatOf } from '../global-options.js';
import { defaultHttpListenerLimits as http } from '../../lifecycle/http-server.js';
import { defaultXdsLimits as xds } from '../../xds/server/limits.js';

/** Defines `contour serve` and its flags, with Contour's flag names (plus --manifests for standalone mode). */
const defineServe = (program: Command): Command => {
  const serve = program
    .command('serve')
    .description('Serve xDS for Envoy from Kubernetes objects (or, with --manifests, from a directory)')
    .option(
      '--manifests <dir>',
      'standalone mode: load and watch manifests from this directory instead of Kubernetes',
    )
    .option(
      '--manifests-resync-period <duration>',
      'standalone mode: read the whole manifests directory this often, whatever the watcher saw (0 disables)',
      '60s',
    )
    .option('--kubeconfig <path>', 'path to a kubeconfig (default: $KUBECONFIG, then in-cluster)')
    .option('--incluster', 'use the in-cluster configuration', false)
    .option('--xds-address <address>', 'xDS gRPC API address', '127.0.0.1')
    .option('--xds-port <port>', 'xDS gRPC API port', '8001')
    .addOption(
      new Option('--contour-cafile <path>', 'CA bundle to verify Envoy client certificates (mTLS)').env(
        'CONTOUR_CAFILE',
      ),
    )
    .addOption(new Option('--contour-cert-file <path>', 'xDS server certificate').env('CONTOUR_CERT_FILE'))
    .addOption(new Option('--contour-key-file <path>', 'xDS server private key').env('CONTOUR_KEY_FILE'))
    .option('--insecure', 'allow serving xDS in plaintext on a non-loopback address', false)
    .option(
      '--enable-proxyless-grpc',
      'serve a Listener per HTTPProxy fqdn for proxyless gRPC clients (xds:///<fqdn>)',
      false,
    )
    .option('--health-address <address>', 'address of /healthz and /readyz', '0.0.0.0')
    .option('--health-port <port>', 'port of /healthz and /readyz', '8000')
    .option('--http-address <address>', 'address of /metrics (default: --health-address)')
    .option('--http-port <port>', 'port of /metrics (default: --health-port)')
    .option('--debug-http-address <address>', 'address of the /debug endpoints', '127.0.0.1')
    .option('--debug-http-port <port>', 'port of the /debug endpoints', '6060')
    .option('--envoy-service-http-address <address>', 'Envoy HTTP listener address', '0.0.0.0')
    .option('--envoy-service-http-port <port>', 'Envoy HTTP listener port', '8080')
    .option('--envoy-service-https-address <address>', 'Envoy HTTPS listener address', '0.0.0.0')
    .option('--envoy-service-https-port <port>', 'Envoy HTTPS listener port', '8443')
    .option('--stats-address <address>', 'Envoy stats/health listener address', '0.0.0.0')
    .option('--stats-port <port>', 'Envoy stats/health listener port', '8002')
    .option('--holdoff-delay <duration>', 'quiet period after a change before rebuilding', '100ms')
    .option('--holdoff-max-delay <duration>', 'longest wait from a change to its build', '500ms')
    .option('--root-namespaces <list>', 'comma-separated namespaces where root HTTPProxies may live')
    .option('--watch-namespaces <list>', 'comma-separated namespaces to watch (default: all)')
    .option('--ingress-class-name <list>', 'ingress classes to serve (comma-separated)')
    .option('--ingress-status-address <address>', 'address to write into Ingress status')
    .option('--enable-external-name-service', 'allow routing to ExternalName Services', false)
    .option('--envoy-service-name <name>', 'Envoy Service whose address goes into status', 'envoy')
    .option(
      '--envoy-service-namespace <namespace>',
      'namespace of the Envoy Service (default: $CONTOUR_NAMESPACE)',
    )
    .option('--disable-leader-election', 'do not elect a leader (every replica writes status)', false)
    .option('--leader-election-resource-name <name>', 'name of the leader election Lease', 'leader-elect')
    .option(
      '--leader-election-resource-namespace <namespace>',
      'namespace of the Lease (default: $CONTOUR_NAMESPACE)',
    )
    .option('--leader-election-lease-duration <duration>', 'lease duration', '15s')
    .option('--leader-election-renew-deadline <duration>', 'renew deadline', '10s')
    .option('--leader-election-retry-period <duration>', 'retry period', '2s')
    // ---- Exposure limits (issue 13, items 10-11); defaults in README and docs/compat.md "Limits" ----
    .option(
      '--http-max-connections <n>',
      'open connections per health/debug listener',
      String(http.maxConnections),
    )
    .option(
      '--http-headers-timeout <duration>',
      'time for a request to send its headers',
      `${http.headersTimeoutMs}ms`,
    )
    .option(
      '--http-request-timeout <duration>',
      'time for a whole request; longest silent socket',
      `${http.requestTimeoutMs}ms`,
    )
    .option(
      '--http-keepalive-timeout <duration>',
      'idle time of a keep-alive connection',
      `${http.keepAliveTimeoutMs}ms`,
    )
    .option(
      '--xds-max-names-per-request <n>',
      'resource names in one xDS request',
      String(xds.maxNamesPerRequest),
    )
    .option(
      '--xds-max-names-per-stream <n>',
      'resource names subscribed on one xDS stream',
      String(xds.maxNamesPerStream),
    )
    .option(
      '--xds-max-streams-per-connection <n>',
      'xDS streams open on one connection',
      String(xds.maxStreamsPerConnection),
    )
    .option('--xds-max-streams <n>', 'xDS streams open on the server', String(xds.maxStreams))
    .option(
      '--xds-max-receive-message-size <bytes>',
      'largest xDS request message',
      String(xds.maxReceiveMessageBytes),
    )
    // ---- end of exposure limits ----
    .option('-d, --debug', 'debug logging', false);
  // Input limits (issue 13): registered from one table so flags, parsing and defaults agree.
  for (const { flag, field, description } of inputLimitFlags) {
    serve.option(`--${flag} <n>`, `${description} (default ${defaultInputLimits[field]})`);
  }
  for (const { flag, field, description } of manifestFileLimitFlags) {
    serve.option(`--${flag} <n>`, `${description} (default ${defaultManifestFileLimits[field]})`);
  }
  return registerContourFlags(serve);
};

/** The validated ServeConfig of parsed flags: flags, then Contour's config file under the explicit flags. */
const resolveServeConfig = (raw: RawServeOptions, command: Command, env: NodeJS.ProcessEnv): ServeConfig => {
  const merged: RawServeOptions = {
    ...raw,
    // Global (`contour --log-format`), accepted before or after `serve` as in Contour.
    logFormat: logFormatOf(command),
  };
  // Flags given on the command line (or by environment) win over the config file, as in Contour.
  const explicitFlags = new Set(
    Object.keys(raw).filter((key) => ['cli', 'env'].includes(command.getOptionValueSource(key) ?? '')),
  );
  return applyConfigFile(parseServeConfig(merged, env), explicitFlags);
};

/** The ServeConfig `contour serve <args>` would run with; throws an Error naming a bad flag or field. */
export const serveConfigFromArgs = (args: string[], env: NodeJS.ProcessEnv = process.env): ServeConfig => {
  const program = addGlobalOptions(new Command())
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  let config: ServeConfig | undefined;
  defineServe(program)
    .exitOverride()
    .action((raw: RawServeOptions, command: Command) => {
      config = resolveServeConfig(raw, command, env);
    });
  program.parse(['serve', ...args], { from: 'user' });
  if (!config) throw new Error('contour serve: no configuration');
  return config;
};

/** Registers `contour serve`. */
export const registerServe = (program: Command): void => {
  defineServe(program).action(async (raw: RawServeOptions, command: Command) => {
    let config;
    try {
      config = resolveServeConfig(raw, command, process.env);
    } catch (error) {
      process.stderr.write(`contour serve: ${(error as Error).message}\n`);
      process.exit(2);
    }
    // Standalone mode: big manifest files start parsing on the parser threads (with the flags'
    // logger) while the rest of `serve` loads: the xDS server, Envoy's descriptors and the DAG take
    // most of a second (src/sources/files/early-parse.ts). The files source takes the results.
    if (config.manifests) {
      const [{ startEarlyParse }, { createLogger }] = await Promise.all([
        import('../../sources/files/early-parse.js'),
        import('../../util/logger.js'),
      ]);
      await startEarlyParse(
        config.manifests,
        createLogger({ format: config.logFormat, debug: config.debug }),
        config.manifestFileLimits,
      );
    }
    const { runServe } = await import('../serve-runner.js');
    await runServe(config);
  });
};
