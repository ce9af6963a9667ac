// `contour translate DIR`: the pipeline offline — manifests in, DAG + status or Envoy resources out.
import type { Command } from 'commander';
import { defaultTranslateOptions, snapshotText, translateStore } from '../../assemble/translate.js';
import { defaultBuildOptions } from '../../dag/build.js';
import { loadManifestDirectory } from '../../sources/files/load.js';
import { describeManifestError } from '../../sources/files/parse.js';

interface TranslateFlags {
  stage: string;
  rootNamespaces?: string;
  ingressClassName?: string;
  enableExternalNameService: boolean;
}

const list = (value: string | undefined): string[] =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** Registers `contour translate`. */
export const registerTranslate = (program: Command): void => {
  program
    .command('translate')
    .description(
      'Print what a manifests directory becomes: the DAG and status (--stage dag) or Envoy resources',
    )
    .argument('<dir>', 'directory of manifests (.yaml, .yml, .json), read recursively')
    .option('--stage <stage>', 'dag (DAG + status) or envoy (Envoy resources as canonical JSON)', 'envoy')
    .option('--root-namespaces <list>', 'comma-separated namespaces where root HTTPProxies may live')
    .option('--ingress-class-name <list>', 'ingress classes to serve')
    .option('--enable-external-name-service', 'allow routing to ExternalName Services', false)
    .action(async (dir: string, flags: TranslateFlags) => {
      if (flags.stage !== 'dag' && flags.stage !== 'envoy') {
        process.stderr.write(`contour translate: --stage must be dag or envoy, not "${flags.stage}"\n`);
        process.exit(2);
      }
      const { store, errors } = await loadManifestDirectory(dir);
      for (const error of errors) {
        process.stderr.write(`${describeManifestError(error)}\n`);
      }
      // The path `contour serve` publishes through: statuses include resources Envoy would reject.
      const translation = translateStore(
        store,
        {
          ...defaultBuildOptions,
          rootNamespaces: list(flags.rootNamespaces),
          ingressClassNames: list(flags.ingressClassName),
          enableExternalNameService: flags.enableExternalNameService,
        },
        defaultTranslateOptions,
      );
      for (const rejection of translation.rejections) {
        process.stderr.write(
          `${rejection.type} ${rejection.name} withheld (Envoy would reject it): ${rejection.violations.join('; ')}\n`,
        );
      }
      if (flags.stage === 'dag') {
        const { dag, statuses } = translation.build;
        process.stdout.write(JSON.stringify({ dag, statuses }, null, 2) + '\n');
        return;
      }
      process.stdout.write(snapshotText(translation.snapshot));
    });
};
