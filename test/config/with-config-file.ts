// `contour serve --config-path <file> ...args` parsed to its ServeConfig, for tests of the config file: each
// call writes the text to a new file in a temporary directory that is removed after the test file.
import { after } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServeConfig } from '../../src/cli/config.js';
import { serveConfigFromArgs } from '../../src/cli/commands/serve.js';

/** A function from config-file text (and extra flags) to the ServeConfig `contour serve` would run with. */
export const configFileParser = (prefix: string): ((text: string, ...args: string[]) => ServeConfig) => {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(directory, { recursive: true, force: true }));
  let files = 0;
  return (text, ...args) => {
    const path = join(directory, `contour-${files++}.yaml`);
    writeFileSync(path, text);
    return serveConfigFromArgs(['--config-path', path, ...args], { CONTOUR_NAMESPACE: 'projectcontour' });
  };
};
