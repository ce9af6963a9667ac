// `contour translate DIR`: the pipeline offline — manifests in, DAG + status or Envoy resources out.
import type { Command } from 'commander';
import { buildDag, defaultBuildOptions } from '../../dag/build.js';
import { defaultTranslateOptions, translate } from '../../envoy/translate.js';
import { loadManifestDirectory } from '../../sources/files/load.js';
import { describeManifestError } from '../../sources/files/parse.js';
import { createSnapshotCache } from '../../xds/cache/snapshot-cache.js';

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
      const result = buildDag(store, {
        ...defaultBuildOptions,
        rootNamespaces: list(flags.rootNamespaces),
        ingressClassNames: list(flags.ingressClassName),
        enableExternalNameService: flags.enableExternalNameService,
      });
      if (flags.stage === 'dag') {
        process.stdout.write(JSON.stringify({ dag: result.dag, statuses: result.statuses }, null, 2) + '\n');
        return;
      }
      const cache = createSnapshotCache();
      cache.publish(translate(result.dag, store, defaultTranslateOptions));
      process.stdout.write(JSON.stringify(cache.toJson({ includeSecrets: true }), null, 2) + '\n');
    });
};
