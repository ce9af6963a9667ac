// Options of the `contour` command itself that every subcommand honours (Contour: `--log-format`,
// given before or after the subcommand).
import { Option, type Command } from 'commander';

export type LogFormat = 'text' | 'json';

/** Adds the global `--log-format` (Contour's default: text). */
export const addGlobalOptions = (program: Command): Command =>
  program.addOption(
    new Option('--log-format <format>', 'Log output format for Contour. Either text or json.')
      .choices(['text', 'json'])
      .default('text'),
  );

/** The log format chosen for the running subcommand. */
export const logFormatOf = (command: Command): LogFormat =>
  command.optsWithGlobals<{ logFormat?: LogFormat }>().logFormat === 'json' ? 'json' : 'text';

/** The subcommand's name in raw arguments, past any global option (`contour --log-format json serve`). */
export const subcommandIn = (args: readonly string[]): string | undefined => {
  for (let index = 0; index < args.length; index++) {
    if (args[index] === '--log-format') index++;
    else if (!args[index].startsWith('--log-format=')) return args[index];
  }
  return undefined;
};
