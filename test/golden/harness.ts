// Golden scenarios: test/golden/<scenario>/input.yaml (multi-document manifests, optional
// options.json with BuildOptions overrides and a "translate" key for TranslateOptions overrides)
// → expected dag.json + status.json (build) and envoy.json: the snapshot `contour serve` would
// publish, as `contour translate --stage envoy` prints it (the assembler serve runs, then the cache).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue } from '@bufbuild/protobuf';
import { parseManifest } from '../../src/sources/files/parse.js';
import { createStore, type Store } from '../../src/store/store.js';
import { defaultBuildOptions, type BuildOptions } from '../../src/dag/build.js';
import {
  defaultTranslateOptions,
  snapshotText,
  translateStore,
  type TranslateOptions,
} from '../../src/assemble/translate.js';
import type { Rejection } from '../../src/assemble/assembler.js';
import { canonicalText } from '../../src/envoy/canonical-json.js';
import type { EnvoyResources } from '../../src/envoy/resources.js';
import type { KubeObject } from '../../src/apis/meta.js';

export const goldenDirectory = new URL('.', import.meta.url).pathname;

/** The expected files of a scenario, by file name. */
export const goldenFiles = ['dag.json', 'status.json', 'envoy.json'] as const;
export type GoldenFile = (typeof goldenFiles)[number];

export interface ScenarioInput {
  name: string;
  objects: KubeObject[];
  buildOptions: BuildOptions;
  translateOptions: TranslateOptions;
}

/** Names of every scenario directory holding an input.yaml, sorted. */
export const scenarioNames = (): string[] =>
  readdirSync(goldenDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(goldenDirectory, entry.name, 'input.yaml')))
    .map((entry) => entry.name)
    .sort();

/** Reads a scenario's manifests and options; malformed manifests fail loudly. */
export const loadScenario = (name: string): ScenarioInput => {
  const directory = join(goldenDirectory, name);
  const { objects, errors } = parseManifest(
    `${name}/input.yaml`,
    readFileSync(join(directory, 'input.yaml'), 'utf8'),
  );
  if (errors.length > 0) {
    throw new Error(
      `${name}/input.yaml: ${errors.map((e) => `document ${e.document}: ${e.message}`).join('; ')}`,
    );
  }
  const optionsPath = join(directory, 'options.json');
  const overrides = existsSync(optionsPath)
    ? (JSON.parse(readFileSync(optionsPath, 'utf8')) as Partial<BuildOptions> & {
        translate?: Partial<TranslateOptions>;
      })
    : {};
  const { translate: translateOverrides, ...buildOverrides } = overrides;
  return {
    name,
    objects,
    buildOptions: { ...defaultBuildOptions, ...buildOverrides },
    translateOptions: { ...defaultTranslateOptions, ...translateOverrides },
  };
};

/** A store holding `objects`, applied in the given order. */
export const storeOf = (objects: KubeObject[]): Store => {
  const store = createStore();
  for (const object of objects) store.apply({ type: 'upsert', object });
  return store;
};

export interface ScenarioOutput {
  /** The published resources, decoded from the bytes a client receives. */
  resources: EnvoyResources;
  /** Resources withheld because Envoy would reject them. */
  rejections: Rejection[];
  /** Canonical text of each golden file. */
  files: Record<GoldenFile, string>;
}

/** Runs the pipeline (store → build → assemble → snapshot cache) over a scenario's objects. */
export const runScenario = (input: ScenarioInput, objects: KubeObject[] = input.objects): ScenarioOutput => {
  const translation = translateStore(storeOf(objects), input.buildOptions, input.translateOptions);
  return {
    resources: translation.messages,
    rejections: translation.rejections,
    files: {
      'dag.json': canonicalText(translation.build.dag as unknown as JsonValue),
      'status.json': canonicalText(translation.build.statuses as unknown as JsonValue),
      'envoy.json': snapshotText(translation.snapshot),
    },
  };
};

/** The expected text of a golden file, or undefined when it was never generated. */
export const readExpected = (name: string, file: GoldenFile): string | undefined => {
  const path = join(goldenDirectory, name, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};

/** Rewrites a scenario's expected files; returns the names of files whose content changed. */
export const writeExpected = (name: string, output: ScenarioOutput): GoldenFile[] => {
  const changed: GoldenFile[] = [];
  for (const file of goldenFiles) {
    if (readExpected(name, file) === output.files[file]) continue;
    writeFileSync(join(goldenDirectory, name, file), output.files[file]);
    changed.push(file);
  }
  return changed;
};
