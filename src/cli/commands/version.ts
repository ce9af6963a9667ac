// `contour version`: build information, in Contour's shape (YAML keys branch, sha, version).
import type { Command } from 'commander';
import { buildInfo } from '../../util/build-info.js';

/** The text `contour version` prints. */
export const versionText = (): string => {
  const info = buildInfo();
  return `branch: ${info.branch}\nsha: ${info.revision}\nversion: ${info.version}\n`;
};

/** Registers `contour version`. */
export const registerVersion = (program: Command): void => {
  program
    .command('version')
    .description('Build information for Contour.')
    .action(() => {
      process.stdout.write(versionText());
    });
};
