// Loads golden scenario inputs (test/golden/<name>/input.yaml, optional options.json) for DAG tests.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultBuildOptions, type BuildOptions } from '../../src/dag/build.js';
import { storeFromYaml } from './fixtures.js';
import type { Store } from '../../src/store/store.js';

export const goldenDirectory = new URL('../golden/', import.meta.url).pathname;

/** One scenario's store and options. */
export interface Scenario {
  name: string;
  store: Store;
  options: BuildOptions;
  yaml: string;
}

/** Reads a scenario by directory name. */
export const loadScenario = (name: string): Scenario => {
  const directory = join(goldenDirectory, name);
  const yaml = readFileSync(join(directory, 'input.yaml'), 'utf8');
  const optionsPath = join(directory, 'options.json');
  const overrides = existsSync(optionsPath)
    ? (JSON.parse(readFileSync(optionsPath, 'utf8')) as Partial<BuildOptions>)
    : {};
  return { name, store: storeFromYaml(yaml), options: { ...defaultBuildOptions, ...overrides }, yaml };
};

/** Names of every scenario directory that has an input.yaml. */
export const scenarioNames = (): string[] =>
  readdirSync(goldenDirectory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(goldenDirectory, entry.name, 'input.yaml')))
    .map((entry) => entry.name)
    .sort();
