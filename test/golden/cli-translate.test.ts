// The golden envoy.json files are what `contour translate --stage envoy` prints, byte for byte: the
// command and the goldens go through the same path (and so does `serve`, through the same assembler).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runContourAsync } from '../cli/run.js';
import { goldenDirectory, readExpected } from './harness.js';

describe('contour translate and the golden files', () => {
  for (const name of ['httpproxy-basic', 'ingress-tls']) {
    it(`prints ${name}/envoy.json exactly`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'contour-translate-'));
      try {
        await copyFile(join(goldenDirectory, name, 'input.yaml'), join(dir, 'input.yaml'));
        const result = await runContourAsync(['translate', dir, '--stage', 'envoy']);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, readExpected(name, 'envoy.json'));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
