// `contour cli`: not built yet (placeholder so the CLI loads).
import type { Command } from 'commander';

/** Registers `contour cli`. */
export const registerCli = (program: Command): void => {
  program
    .command('cli')
    .description('not implemented yet')
    .action(() => {
      throw new Error('contour cli is not implemented yet');
    });
};
