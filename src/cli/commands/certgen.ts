// `contour certgen`: not built yet (placeholder so the CLI loads).
import type { Command } from 'commander';

/** Registers `contour certgen`. */
export const registerCertgen = (program: Command): void => {
  program
    .command('certgen')
    .description('not implemented yet')
    .action(() => {
      throw new Error('contour certgen is not implemented yet');
    });
};
