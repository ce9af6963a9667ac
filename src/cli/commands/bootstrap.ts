// `contour bootstrap`: not built yet (placeholder so the CLI loads).
import type { Command } from 'commander';

/** Registers `contour bootstrap`. */
export const registerBootstrap = (program: Command): void => {
  program
    .command('bootstrap')
    .description('not implemented yet')
    .action(() => {
      throw new Error('contour bootstrap is not implemented yet');
    });
};
