// Layering, checked by dependency-cruiser as part of `npm run lint` (docs/architecture.md, "Layering").
// Imports follow the pipeline, bottom to top; a layer imports only layers below it (and itself):
//
//   base      src/apis, src/util, src/certs, src/gen   shared by every stage (types, metrics registry, secret checks)
//   store     src/store
//   sources   src/sources
//   dag       src/dag                                   (build)
//   envoy     src/envoy                                 (translate)
//   xds       src/xds            status   src/status    side by side: neither imports the other
//   assemble  src/assemble                              DAG → checked, encoded Envoy resources (uses envoy and xds/cache)
//   config    src/config                                Contour's config file and ContourConfiguration → settings
//   lifecycle src/lifecycle
//   cli       src/cli                                   the only place stages are wired together
//
// On top of the direction: no import cycle between files, and none between folders.

/** Layers from the bottom up: the folders (under src/) each holds; `apart`: they may not import each other. */
const layers = [
  { folders: ['apis', 'util', 'certs', 'gen'] },
  { folders: ['store'] },
  { folders: ['sources'] },
  { folders: ['dag'] },
  { folders: ['envoy'] },
  { folders: ['xds', 'status'], apart: true },
  { folders: ['assemble'] },
  { folders: ['config'] },
  { folders: ['lifecycle'] },
  { folders: ['cli'] },
];

const folders = (names) => `^src/(${names.join('|')})/`;

const layerRules = layers.flatMap(({ folders: layer, apart }, index) => {
  const above = layers.slice(index + 1).flatMap((higher) => higher.folders);
  const beside = apart ? layer : [];
  const rules = [];
  if (above.length > 0) {
    rules.push({
      name: `layer-${layer.join('-')}`,
      comment: `src/{${layer.join(',')}} imports only the layers below it, never ${above.join(', ')}`,
      severity: 'error',
      from: { path: folders(layer) },
      to: { path: folders(above) },
    });
  }
  for (const folder of beside) {
    rules.push({
      name: `beside-${folder}`,
      comment: `src/${folder} and ${beside.filter((other) => other !== folder).join(', ')} are side by side`,
      severity: 'error',
      from: { path: folders([folder]) },
      to: { path: folders(beside.filter((other) => other !== folder)) },
    });
  }
  return rules;
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-file-cycles',
      comment: 'no import cycle between files (type-only imports included)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'no import cycle between folders',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(src|test|bench|scripts)/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'src-stands-alone',
      comment: 'production code never imports tests, benchmarks or scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
    {
      name: 'bench-not-test',
      comment:
        'tests may exercise the bench; the bench never imports tests (shared pieces live in scripts/ or src/)',
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(src/gen|dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
