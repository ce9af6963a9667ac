// `contour bootstrap PATH`: writes Envoy's bootstrap (and, with TLS and --resources-dir, its SDS files).
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  buildBootstrap,
  bootstrapUsesTls,
  defaultBootstrapOptions,
  sdsResourcesSubdirectory,
  type BootstrapOptions,
  type DnsLookupFamily,
} from '../../envoy/bootstrap.js';
import { parsePort } from '../flag-values.js';

export interface BootstrapFlags {
  adminAddress: string;
  adminPort?: number;
  dnsLookupFamily?: string;
  envoyCafile?: string;
  envoyCertFile?: string;
  envoyKeyFile?: string;
  namespace: string;
  overloadDownstreamMaxConn?: bigint;
  overloadMaxHeap?: bigint;
  resourcesDir?: string;
  xdsAddress?: string;
  xdsPort?: number;
  xdsResourceVersion: string;
}

const parseCount =
  (flag: string) =>
  (value: string): bigint => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be an integer.`);
    return BigInt(value);
  };

/** Turns parsed flags into generator options, with Contour's defaults for anything not given. */
export const bootstrapOptionsFromFlags = (path: string, flags: BootstrapFlags): BootstrapOptions => ({
  ...defaultBootstrapOptions,
  path,
  adminAddress: flags.adminAddress,
  adminPort: flags.adminPort || defaultBootstrapOptions.adminPort,
  dnsLookupFamily: (flags.dnsLookupFamily || defaultBootstrapOptions.dnsLookupFamily) as DnsLookupFamily,
  caFile: flags.envoyCafile || undefined,
  certFile: flags.envoyCertFile || undefined,
  keyFile: flags.envoyKeyFile || undefined,
  namespace: flags.namespace,
  globalDownstreamConnectionLimit: flags.overloadDownstreamMaxConn ?? 0n,
  maximumHeapSizeBytes: flags.overloadMaxHeap ?? 0n,
  resourcesDir: flags.resourcesDir || undefined,
  xdsAddress: flags.xdsAddress || defaultBootstrapOptions.xdsAddress,
  xdsPort: flags.xdsPort || defaultBootstrapOptions.xdsPort,
  xdsResourceVersion: flags.xdsResourceVersion,
});

// A missing or empty certificate file would make Envoy reject its bootstrap in a way nobody sees;
// failing here shows up in the init container's status instead (Contour does the same).
const checkTlsFiles = (options: BootstrapOptions): string | undefined => {
  for (const file of [options.certFile, options.keyFile, options.caFile]) {
    if (!file) continue;
    try {
      if (statSync(file).size === 0) return `"${file}" is empty`;
    } catch (error) {
      return `cannot read "${file}": ${(error as Error).message}`;
    }
  }
  return undefined;
};

/** Generates and writes the bootstrap documents; returns an error message or undefined. */
export const writeBootstrap = (
  options: BootstrapOptions,
  stdout: (text: string) => void,
): string | undefined => {
  const result = buildBootstrap(options);
  if (!result.ok) return result.error;
  if (bootstrapUsesTls(options)) {
    const problem = checkTlsFiles(options);
    if (problem) return problem;
  }
  try {
    if (options.resourcesDir) {
      // World-writable like Contour: the directory holds pointers to secrets, not secrets (Contour issue 3264).
      mkdirSync(join(options.resourcesDir, sdsResourcesSubdirectory), { recursive: true, mode: 0o777 });
    }
    for (const document of result.documents) {
      if (document.path === '-') stdout(document.json);
      else writeFileSync(document.path, document.json);
    }
  } catch (error) {
    return `failed to write bootstrap configuration: ${(error as Error).message}`;
  }
  return undefined;
};

/** Registers `contour bootstrap`. */
export const registerBootstrap = (program: Command): void => {
  program
    .command('bootstrap')
    .description('Generate bootstrap configuration.')
    .argument('<path>', "Configuration file ('-' for standard output).")
    .option('--admin-address <path>', 'Path to Envoy admin unix domain socket.', '/admin/admin.sock')
    .option('--admin-port <port>', 'DEPRECATED: Envoy admin interface port.', parsePort('--admin-port'))
    .option(
      '--dns-lookup-family <family>',
      'Defines what DNS Resolution Policy to use for Envoy -> Contour cluster name lookup. Either v4, v6, auto, or all.',
    )
    .addOption(
      new Option('--envoy-cafile <file>', 'CA Filename for Envoy secure xDS gRPC communication.').env(
        'ENVOY_CAFILE',
      ),
    )
    .addOption(
      new Option(
        '--envoy-cert-file <file>',
        'Client certificate filename for Envoy secure xDS gRPC communication.',
      ).env('ENVOY_CERT_FILE'),
    )
    .addOption(
      new Option(
        '--envoy-key-file <file>',
        'Client key filename for Envoy secure xDS gRPC communication.',
      ).env('ENVOY_KEY_FILE'),
    )
    .addOption(
      new Option('--namespace <namespace>', 'The namespace the Envoy container will run in.')
        .env('CONTOUR_NAMESPACE')
        .default('projectcontour'),
    )
    .option(
      '--overload-downstream-max-conn <count>',
      'Defines the Envoy global downstream connection limit.',
      parseCount('--overload-downstream-max-conn'),
    )
    .option(
      '--overload-max-heap <bytes>',
      'Defines the maximum heap size in bytes until overload manager stops accepting new connections.',
      parseCount('--overload-max-heap'),
    )
    .option('--resources-dir <dir>', 'Directory where configuration files will be written to.')
    .option('--xds-address <address>', 'xDS gRPC API address.')
    .option('--xds-port <port>', 'xDS gRPC API port.', parsePort('--xds-port'))
    .option(
      '--xds-resource-version <version>',
      'The versions of the xDS resources to request from Contour.',
      'v3',
    )
    .action((path: string, flags: BootstrapFlags) => {
      const error = writeBootstrap(bootstrapOptionsFromFlags(path, flags), (text) =>
        process.stdout.write(text),
      );
      if (error) {
        process.stderr.write(`contour bootstrap: ${error}\n`);
        process.exitCode = 1;
      }
    });
};
