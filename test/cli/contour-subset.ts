// Runs the `contour` subcommands this test folder covers (bootstrap, certgen, cli), without
// src/cli/main.ts, so these tests do not depend on every other command loading.
import { Command } from 'commander';
import { registerBootstrap } from '../../src/cli/commands/bootstrap.js';
import { registerCertgen } from '../../src/cli/commands/certgen.js';
import { registerCli } from '../../src/cli/commands/cli.js';

const program = new Command('contour').showHelpAfterError();
registerBootstrap(program);
registerCertgen(program);
registerCli(program);
await program.parseAsync(process.argv);
