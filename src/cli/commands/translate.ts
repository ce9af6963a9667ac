// `contour translate`: not built yet (placeholder so the CLI loads).
import type { Command } from 'commander';

/** Registers `contour translate`. */
export const registerTranslate = (program: Command): void => {
  program
    .command('translate')
    .description('not implemented yet')
    .action(() => {
      throw new Error('contour translate is not implemented yet');
    });
};
