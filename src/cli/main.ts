// The `contour` command: one subcommand per file under ./commands.
import { Command } from 'commander';
import { addGlobalOptions, subcommandIn } from './global-options.js';

type Register = (program: Command) => void;

// Each subcommand's module is loaded only when it runs: `contour bootstrap` in an init container (or a test
// spawning the CLI) should not pay for the Kubernetes client, the xDS server and every Envoy proto.
const commands: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./commands/serve.js')).registerServe,
  bootstrap: async () => (await import('./commands/bootstrap.js')).registerBootstrap,
  cli: async () => (await import('./commands/cli.js')).registerCli,
  certgen: async () => (await import('./commands/certgen.js')).registerCertgen,
  translate: async () => (await import('./commands/translate.js')).registerTranslate,
  envoy: async () => (await import('./commands/envoy.js')).registerEnvoy,
  version: async () => (await import('./commands/version.js')).registerVersion,
};

const program = addGlobalOptions(
  new Command('contour')
    .description('contour-ts: Envoy ingress controller and xDS control plane (Project Contour compatible)')
    .showHelpAfterError(),
);

const requested = subcommandIn(process.argv.slice(2));
// Nothing starts before commander has parsed the flags: `serve` begins its work in its action.
const wanted = requested !== undefined && requested in commands ? [requested] : Object.keys(commands);
for (const name of wanted) (await commands[name]())(program);

await program.parseAsync(process.argv);
