// `contour serve`: watch objects, build, and serve Envoy configuration over xDS.
import { Command, Option } from 'commander';
import { parseServeConfig, type RawServeOptions } from '../config.js';
import { runServe } from '../serve-runner.js';
import { logFormatOf } from '../global-options.js';
import { defaultHttpListenerLimits as http } from '../../lifecycle/http-server.js';
import { defaultXdsLimits as xds } from '../../xds/server/limits.js';

/** Registers `contour serve` with Contour's flag names (plus --manifests for standalone mode). */
export const registerServe = (program: Command): void => {
  program
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
    .option('--contour-cafile <path>', 'CA bundle to verify Envoy client certificates (mTLS)')
    .option('--contour-cert-file <path>', 'xDS server certificate')
    .option('--contour-key-file <path>', 'xDS server private key')
    .option('--insecure', 'allow serving xDS in plaintext on a non-loopback address', false)
    .option(
      '--enable-proxyless-grpc',
      'serve a Listener per HTTPProxy fqdn for proxyless gRPC clients (xds:///<fqdn>)',
      false,
    )
    .option('--health-address <address>', 'address of /healthz, /readyz and /metrics', '0.0.0.0')
    .option('--health-port <port>', 'port of /healthz, /readyz and /metrics', '8000')
    .addOption(new Option('--http-address <address>', 'alias of --health-address').hideHelp())
    .addOption(new Option('--http-port <port>', 'alias of --health-port').hideHelp())
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
    .option('-d, --debug', 'debug logging', false)
    .action(async (raw: RawServeOptions, command: Command) => {
      const merged: RawServeOptions = {
        ...raw,
        // Global (`contour --log-format`), accepted before or after `serve` as in Contour.
        logFormat: logFormatOf(command),
        healthAddress: raw.httpAddress ?? raw.healthAddress,
        healthPort: raw.httpPort ?? raw.healthPort,
      };
      let config;
      try {
        config = parseServeConfig(merged);
      } catch (error) {
        process.stderr.write(`contour serve: ${(error as Error).message}\n`);
        process.exit(2);
      }
      await runServe(config);
    });
};
