// `contour envoy shutdown`: Envoy's preStop hook. Fails Envoy's health checks, waits for its
// connections to drain, writes the ready file (src/envoy-admin/drain.ts). Contour's flags and defaults.
import { Option, type Command } from 'commander';
import { drainEnvoy } from '../../envoy-admin/drain.js';
import { createLogger } from '../../util/logger.js';
import { parseCountFlag, parseDurationFlag, parsePort } from '../flag-values.js';
import { logFormatOf } from '../global-options.js';
import { defaultReadyFile } from './envoy-shutdown-manager.js';

interface ShutdownFlags {
  adminAddress: string;
  adminPort?: number;
  checkDelay: number;
  checkInterval: number;
  drainDelay: number;
  minOpenConnections: number;
  readyFile: string;
}

/** Registers `contour envoy shutdown` under `contour envoy`. */
export const registerEnvoyShutdown = (envoy: Command): void => {
  envoy
    .command('shutdown')
    .description('Initiate an shutdown sequence which configures Envoy to begin draining connections.')
    .option('--admin-address <path>', 'Envoy admin interface address.', '/admin/admin.sock')
    .option('--admin-port <port>', 'DEPRECATED: Envoy admin interface port.', parsePort('--admin-port'))
    .addOption(
      new Option('--check-delay <duration>', 'Time to wait before polling Envoy for open connections.')
        .argParser(parseDurationFlag('--check-delay'))
        .default(0, '0s'),
    )
    .addOption(
      new Option('--check-interval <duration>', 'Time to poll Envoy for open connections.')
        .argParser(parseDurationFlag('--check-interval'))
        .default(5000, '5s'),
    )
    .addOption(
      new Option('--drain-delay <duration>', 'Time to wait before draining Envoy connections.')
        .argParser(parseDurationFlag('--drain-delay'))
        .default(0, '0s'),
    )
    .option(
      '--min-open-connections <count>',
      'Min number of open connections when polling Envoy.',
      parseCountFlag('--min-open-connections'),
      0,
    )
    .option('--ready-file <path>', 'File to write when shutdown is completed.', defaultReadyFile)
    .action(async (flags: ShutdownFlags, command: Command) => {
      const logger = createLogger({ format: logFormatOf(command), debug: false });
      if (flags.adminPort !== undefined) {
        // Contour too only reaches the admin API through the socket; the port flag is kept for old manifests.
        logger.warn(
          '--admin-port is deprecated and ignored: the admin API is reached through --admin-address',
        );
      }
      try {
        await drainEnvoy({
          adminAddress: flags.adminAddress,
          drainDelayMs: flags.drainDelay,
          checkDelayMs: flags.checkDelay,
          checkIntervalMs: flags.checkInterval,
          minOpenConnections: flags.minOpenConnections,
          readyFile: flags.readyFile,
          logger,
        });
      } catch (error) {
        logger.error({ error: (error as Error).message }, 'contour envoy shutdown failed');
        process.exitCode = 1;
      }
    });
};
