// The `contour` command: one subcommand per file under ./commands.
import { Command } from 'commander';
import { registerServe } from './commands/serve.js';
import { registerBootstrap } from './commands/bootstrap.js';
import { registerCli } from './commands/cli.js';
import { registerCertgen } from './commands/certgen.js';
import { registerTranslate } from './commands/translate.js';

const program = new Command('contour')
  .description('contour-ts: Envoy ingress controller and xDS control plane (Project Contour compatible)')
  .showHelpAfterError();
registerServe(program);
registerBootstrap(program);
registerCli(program);
registerCertgen(program);
registerTranslate(program);

await program.parseAsync(process.argv);
