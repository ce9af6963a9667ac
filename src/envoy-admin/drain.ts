// `contour envoy shutdown`'s sequence (a preStop hook in Envoy's pod): tell Envoy to fail its health
// checks so load balancers stop sending it connections, wait for the open connections to drain
// below a threshold, then create the ready file the shutdown manager's /shutdown waits for.
// Steps, log lines, retries and defaults follow Contour's cmd/contour/shutdownmanager.go.
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../util/logger.js';
import { formatDuration } from '../util/duration.js';
import { adminRequest } from './admin-client.js';
import { countOpenConnections, openConnectionsStatsPath } from './open-connections.js';

export interface DrainOptions {
  /** Envoy's admin Unix socket. */
  adminAddress: string;
  /** Wait before failing health checks. */
  drainDelayMs: number;
  /** Wait after failing health checks before the first poll. */
  checkDelayMs: number;
  /** Wait between polls. */
  checkIntervalMs: number;
  /** Done once the open connections are at most this. */
  minOpenConnections: number;
  readyFile: string;
  logger: Logger;
}

/** Contour's retry of the health-check failure: 4 attempts, 200 ms apart growing ×5, ±10% jitter. */
const healthcheckFailDelaysMs = [200, 1000, 5000];

/** Tells Envoy to fail its health checks (POST /healthcheck/fail); throws unless it answers 200. */
export const failEnvoyHealthchecks = async (adminAddress: string): Promise<void> => {
  const response = await adminRequest(adminAddress, 'POST', '/healthcheck/fail');
  if (response.status !== 200) {
    throw new Error(`POST for "/healthcheck/fail" returned HTTP status ${response.status}`);
  }
};

/** Reads Envoy's open downstream connections from its admin API. */
export const openConnections = async (adminAddress: string): Promise<number> => {
  const response = await adminRequest(adminAddress, 'GET', openConnectionsStatsPath);
  if (response.status !== 200) {
    throw new Error(`GET for "${openConnectionsStatsPath}" returned HTTP status ${response.status}`);
  }
  return countOpenConnections(response.body);
};

/** Runs the whole shutdown sequence; resolves once the ready file is written (polls until then). */
export const drainEnvoy = async (options: DrainOptions): Promise<void> => {
  // Contour's two contexts: the handler's own lines, and the command's.
  const log = options.logger.child({ context: 'shutdownHandler' });
  const commandLog = options.logger.child({ context: 'shutdown' });
  log.info(`waiting ${formatDuration(options.drainDelayMs)} before draining connections`);
  await sleep(options.drainDelayMs);

  commandLog.info('failing envoy healthchecks');
  let lastError: Error | undefined;
  for (let attempt = 0; attempt <= healthcheckFailDelaysMs.length; attempt++) {
    if (attempt > 0) {
      const base = healthcheckFailDelaysMs[attempt - 1];
      await sleep(base * (1 + Math.random() * 0.1));
    }
    commandLog.info('attempting to shutdown');
    try {
      await failEnvoyHealthchecks(options.adminAddress);
      lastError = undefined;
      break;
    } catch (error) {
      lastError = error as Error;
    }
  }
  // As Contour: draining goes on even if Envoy never took the request (it may already be failing).
  if (lastError) {
    log.error(
      { error: lastError.message },
      `error sending envoy healthcheck fail after ${healthcheckFailDelaysMs.length + 1} attempts`,
    );
  }

  log.info(`waiting ${formatDuration(options.checkDelayMs)} before polling for draining connections`);
  await sleep(options.checkDelayMs);

  for (;;) {
    let open: number | undefined;
    try {
      open = await openConnections(options.adminAddress);
    } catch (error) {
      commandLog.error({ error: (error as Error).message }, 'polling open connections failed');
    }
    if (open !== undefined) {
      const fields = { open_connections: open, min_connections: options.minOpenConnections };
      if (open <= options.minOpenConnections) {
        log.info(fields, 'min number of open connections found, shutting down');
        // A failure here is the command's error: the ready file is its whole result.
        writeFileSync(options.readyFile, '');
        return;
      }
      log.info(fields, 'polled open connections');
    }
    await sleep(options.checkIntervalMs);
  }
};
