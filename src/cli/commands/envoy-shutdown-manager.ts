// `contour envoy shutdown-manager`: the sidecar serving /healthz and /shutdown
// (src/envoy-admin/shutdown-manager.ts). Contour's flags and defaults.
import type { Command } from 'commander';
import { startShutdownManager } from '../../envoy-admin/shutdown-manager.js';
import { createLogger } from '../../util/logger.js';
import { parsePort } from '../flag-values.js';
import { logFormatOf } from '../global-options.js';

/** Contour's ready file: written by `envoy shutdown`, waited for by `/shutdown`. */
export const defaultReadyFile = '/admin/ok';

/** Contour's (fixed) interval at which /shutdown looks for the ready file. */
const readyFileCheckIntervalMs = 1000;

/** Registers `contour envoy shutdown-manager` under `contour envoy`. */
export const registerEnvoyShutdownManager = (envoy: Command): void => {
  envoy
    .command('shutdown-manager')
    .description('Start envoy shutdown-manager.')
    .option('--ready-file <path>', 'File to poll while waiting shutdown to be completed.', defaultReadyFile)
    .option('--serve-port <port>', 'Port to serve the http server on.', parsePort('--serve-port'), 8090)
    .action(async (flags: { readyFile: string; servePort: number }, command: Command) => {
      const logger = createLogger({ format: logFormatOf(command), debug: false });
      let manager;
      try {
        manager = await startShutdownManager({
          port: flags.servePort,
          readyFile: flags.readyFile,
          checkIntervalMs: readyFileCheckIntervalMs,
          logger,
        });
      } catch (error) {
        logger.fatal(
          { error: (error as Error).message, port: flags.servePort },
          'shutdown manager failed to start',
        );
        process.exit(1);
      }
      const running = manager;
      // Kubelet sends SIGTERM once this container's preStop (`envoy shutdown`) has written the ready
      // file, while Envoy's preStop may still be waiting on /shutdown: give it time to get its answer.
      const stop = (signal: string): void => {
        logger.info({ signal }, 'stopped');
        void running.close(readyFileCheckIntervalMs * 2).then(() => process.exit(0));
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
};
