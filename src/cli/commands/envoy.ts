// `contour envoy`: subcommands run beside Envoy (Contour's shutdown manager and shutdown hook).
import type { Command } from 'commander';
import { registerEnvoyShutdown } from './envoy-shutdown.js';
import { registerEnvoyShutdownManager } from './envoy-shutdown-manager.js';

/** Registers `contour envoy shutdown` and `contour envoy shutdown-manager`. */
export const registerEnvoy = (program: Command): void => {
  const envoy = program.command('envoy').description('Sub-command for envoy actions.');
  registerEnvoyShutdown(envoy);
  registerEnvoyShutdownManager(envoy);
};
