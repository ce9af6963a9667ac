// `contour serve`: not built yet (placeholder so the CLI loads).
import type { Command } from 'commander';

/** Registers `contour serve`. */
export const registerServe = (program: Command): void => {
  program
    .command('serve')
    .description('not implemented yet')
    .action(() => {
      throw new Error('contour serve is not implemented yet');
    });
};
