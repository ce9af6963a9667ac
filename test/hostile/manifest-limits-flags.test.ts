// The manifest file limits are `contour serve` flags: parsed, validated and defaulted like the input limits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestFileLimits } from '../../src/cli/config.js';
import { serveConfigFromArgs } from '../../src/cli/commands/serve.js';
import { defaultManifestFileLimits } from '../../src/sources/files/file-limits.js';

describe('manifest file limit flags', () => {
  it('keeps the defaults when no flag is given', () => {
    assert.deepEqual(parseManifestFileLimits({}), defaultManifestFileLimits);
    assert.deepEqual(
      serveConfigFromArgs(['--manifests', '/tmp']).manifestFileLimits,
      defaultManifestFileLimits,
    );
  });

  it('sets each limit from its flag', () => {
    const config = serveConfigFromArgs([
      '--manifests',
      '/tmp',
      '--max-manifest-file-bytes',
      '1000',
      '--max-documents-per-file',
      '20',
    ]);
    assert.deepEqual(config.manifestFileLimits, { maxFileBytes: 1000, maxDocumentsPerFile: 20 });
  });

  it('refuses values that are not positive integers, naming the flag', () => {
    for (const value of ['0', '-1', '1.5', 'ten']) {
      assert.throws(() => serveConfigFromArgs(['--max-documents-per-file', value]), {
        message: `--max-documents-per-file: "${value}" is not a positive whole number`,
      });
      assert.throws(() => parseManifestFileLimits({ maxManifestFileBytes: value }), {
        message: `--max-manifest-file-bytes: "${value}" is not a positive whole number`,
      });
    }
  });

  it('leaves room for the bench: 10,000 proxies and their objects in one file fit', () => {
    // bench/generate.ts at size 10,000 writes ~17 MB and 33,000 documents in all (~0.5 MB per file).
    assert.ok(defaultManifestFileLimits.maxFileBytes >= 3 * 17 * 1024 * 1024);
    assert.ok(defaultManifestFileLimits.maxDocumentsPerFile >= 3 * 33_000);
  });
});
