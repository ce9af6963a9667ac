// Golden cases at the translate seam, independent of the build (as Envoy Gateway's xds-ir cases):
// test/golden/translate-seam/<case>/dag.json (a DAG written by hand, not by buildDag), optional
// options.json (TranslateOptions overrides) and endpoints.yaml (EndpointSlices) → expected envoy.json
// (the snapshot serve would publish, as `contour translate --stage envoy` prints it) and
// rejections.json (what was withheld because Envoy would reject it).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue } from '@bufbuild/protobuf';
import { snapshotText, translateDag } from '../../src/assemble/translate.js';
import type { Dag } from '../../src/dag/types.js';
import { canonicalText } from '../../src/envoy/canonical-json.js';
import { defaultTranslateOptions, type TranslateOptions } from '../../src/envoy/options.js';
import { parseManifest } from '../../src/sources/files/parse.js';
import { createStore } from '../../src/store/store.js';

export const seamDirectory = new URL('translate-seam/', import.meta.url).pathname;

/** The expected files of a seam case. */
export const seamFiles = ['envoy.json', 'rejections.json'] as const;
export type SeamFile = (typeof seamFiles)[number];

/** Names of every case directory holding a dag.json, sorted. */
export const seamCaseNames = (): string[] =>
  readdirSync(seamDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(seamDirectory, entry.name, 'dag.json')))
    .map((entry) => entry.name)
    .sort();

const readOptional = (path: string): string | undefined =>
  existsSync(path) ? readFileSync(path, 'utf8') : undefined;

/** Translates a case's DAG; returns the canonical text of each expected file. */
export const runSeamCase = (name: string): Record<SeamFile, string> => {
  const directory = join(seamDirectory, name);
  const dag = JSON.parse(readFileSync(join(directory, 'dag.json'), 'utf8')) as Dag;
  const overrides = readOptional(join(directory, 'options.json'));
  const options: TranslateOptions = {
    ...defaultTranslateOptions,
    ...(overrides ? (JSON.parse(overrides) as Partial<TranslateOptions>) : {}),
  };
  const store = createStore();
  const slices = readOptional(join(directory, 'endpoints.yaml'));
  if (slices) {
    const { objects, errors } = parseManifest(`${name}/endpoints.yaml`, slices);
    if (errors.length > 0) throw new Error(`${name}/endpoints.yaml: ${errors[0].message}`);
    for (const object of objects) store.apply({ type: 'upsert', object });
  }
  const translation = translateDag(dag, store, options);
  return {
    'envoy.json': snapshotText(translation.snapshot),
    'rejections.json': canonicalText(translation.rejections as unknown as JsonValue),
  };
};

/** The expected text of a case's file, or undefined when it was never generated. */
export const readSeamExpected = (name: string, file: SeamFile): string | undefined =>
  readOptional(join(seamDirectory, name, file));

/** Rewrites a case's expected files; returns the files whose content changed. */
export const writeSeamExpected = (name: string, output: Record<SeamFile, string>): SeamFile[] =>
  seamFiles.filter((file) => {
    if (readSeamExpected(name, file) === output[file]) return false;
    writeFileSync(join(seamDirectory, name, file), output[file]);
    return true;
  });
