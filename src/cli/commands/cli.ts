// `contour cli lds|rds|cds|eds|sds [names…]`: watches one resource type on the xDS server and prints every
// response as JSON (stdout), ACKing it (or NACKing with --nack). Streams until interrupted, or until the
// first response with --once. Progress lines go to stderr so stdout stays machine-readable.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { xdsChannelCredentials } from '../../xds/client/credentials.js';
import { cliResourceTypes, watchDiscovery } from '../../xds/client/discovery-stream.js';

/** Flags of `contour cli` (given before or after the subcommand). */
export interface CliFlags {
  ads?: boolean;
  cafile?: string;
  certFile?: string;
  contour: string;
  delta?: boolean;
  keyFile?: string;
  nack?: boolean;
  nodeId: string;
  once?: boolean;
  xdsAddress?: string;
  xdsPort?: number;
}

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) {
    throw new InvalidArgumentError('--xds-port must be a port number between 1 and 65535.');
  }
  return port;
};

// "host:port" or "[v6]:port"; a bare host keeps the default port.
const splitHostPort = (value: string): { host: string; port?: number } => {
  const match = /^\[(.+)\]:(\d+)$/.exec(value) ?? /^([^:]+):(\d+)$/.exec(value);
  return match ? { host: match[1], port: Number(match[2]) } : { host: value.replace(/^\[(.*)\]$/, '$1') };
};

/** The host:port to dial: --contour, with --xds-address / --xds-port replacing its parts. */
export const cliTarget = (flags: Pick<CliFlags, 'contour' | 'xdsAddress' | 'xdsPort'>): string => {
  const parsed = splitHostPort(flags.contour);
  const host = flags.xdsAddress ?? parsed.host;
  const port = flags.xdsPort ?? parsed.port ?? 8001;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
};

/** Runs one watch as the flags say; resolves with the process exit code. */
export const runCli = (
  type: keyof typeof cliResourceTypes,
  resourceNames: string[],
  flags: CliFlags,
  io: { stdout: (text: string) => void; stderr: (text: string) => void },
): Promise<number> => {
  const channel = xdsChannelCredentials({
    caFile: flags.cafile,
    certFile: flags.certFile,
    keyFile: flags.keyFile,
  });
  if (!channel.ok) {
    io.stderr(`contour cli: ${channel.error}\n`);
    return Promise.resolve(1);
  }
  const target = cliTarget(flags);
  let stopping = false;
  const watch = watchDiscovery(
    {
      target,
      channel: channel.channel,
      type: cliResourceTypes[type],
      resourceNames: [...resourceNames].sort(),
      nodeId: flags.nodeId,
      ads: Boolean(flags.ads),
      delta: Boolean(flags.delta),
      nack: Boolean(flags.nack),
    },
    (event) => {
      io.stdout(JSON.stringify(event.json, null, 2) + '\n');
      io.stderr(
        `${event.acked ? 'ACK' : 'NACK'} version=${JSON.stringify(event.version)} nonce=${JSON.stringify(event.nonce)} resources=${event.resourceNames.length}\n`,
      );
      if (flags.once && !stopping) {
        stopping = true;
        watch.close();
      }
    },
  );
  const interrupt = () => {
    stopping = true;
    watch.close();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  return watch.ended.then((status) => {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    if (stopping) return 0;
    io.stderr(`contour cli: stream to ${target} ended: ${status.details || `gRPC status ${status.code}`}\n`);
    return 1;
  });
};

/** Registers `contour cli` and its lds/rds/cds/eds/sds subcommands. */
export const registerCli = (program: Command): void => {
  const cli = program
    .command('cli')
    .description('A CLI client for the Contour Kubernetes ingress controller.')
    .addOption(
      new Option('--cafile <file>', 'CA bundle file for connecting to a TLS-secured Contour.').env(
        'CLI_CAFILE',
      ),
    )
    .addOption(
      new Option(
        '--cert-file <file>',
        'Client certificate file for connecting to a TLS-secured Contour.',
      ).env('CLI_CERT_FILE'),
    )
    .option('--contour <host:port>', 'Contour host:port.', '127.0.0.1:8001')
    .option('--delta', 'Use incremental xDS.')
    .addOption(
      new Option('--key-file <file>', 'Client key file for connecting to a TLS-secured Contour.').env(
        'CLI_KEY_FILE',
      ),
    )
    .option('--nack', 'NACK all responses (for testing).')
    .addOption(
      new Option('--node-id <id>', 'Node ID for the CLI client to use.')
        .env('CLI_NODE_ID')
        .default('ContourCLI'),
    )
    .option('--xds-address <address>', 'xDS server address (replaces the host of --contour).')
    .option('--xds-port <port>', 'xDS server port (replaces the port of --contour).', parsePort)
    .option('--ads', "Use the aggregated discovery service instead of the resource type's own service.")
    .option('--once', 'Exit after the first response (after answering it).');

  const descriptions: Record<keyof typeof cliResourceTypes, string> = {
    cds: 'Watch services.',
    eds: 'Watch endpoints.',
    lds: 'Watch listeners.',
    rds: 'Watch routes.',
    sds: 'Watch secrets.',
  };
  for (const type of Object.keys(descriptions).sort() as Array<keyof typeof cliResourceTypes>) {
    cli
      .command(type)
      .description(descriptions[type])
      .argument('[resources...]', `${type.toUpperCase()} resource filter`)
      .action(async (resources: string[], _options: unknown, command: Command) => {
        const flags = command.optsWithGlobals<CliFlags>();
        process.exitCode = await runCli(type, resources, flags, {
          stdout: (text) => process.stdout.write(text),
          stderr: (text) => process.stderr.write(text),
        });
      });
  }
};
