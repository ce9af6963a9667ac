// `contour version` (Contour's YAML keys) and the global `--log-format` (Contour's default: text),
// accepted before or after the subcommand.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { standaloneServeArgs, startContour } from '../helpers/process.js';
import { runContour, runContourAsync } from './run.js';
import { subcommandIn } from '../../src/cli/global-options.js';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

describe('contour version', () => {
  it("prints branch, sha and version as Contour's YAML, the version from package.json", () => {
    const result = runContour(['version']);
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => line.split(':')[0]),
      ['branch', 'sha', 'version'],
    );
    assert.equal(lines[2], `version: ${packageVersion}`);
    // dist/ has the git revision baked in; the sources say "unknown".
    assert.match(lines[1], /^sha: ([0-9a-f]{40}|unknown)$/);
  });
});

describe('global --log-format', () => {
  const drainArgs = [
    'envoy',
    'shutdown',
    '--admin-address',
    '/nonexistent/admin.sock',
    '--drain-delay',
    '10ms',
  ];

  /** Runs `contour envoy shutdown` against nothing just long enough to log its first lines. */
  const firstLogLine = async (args: string[]): Promise<string> => {
    const process = startContour(args);
    try {
      for (
        let attempt = 0;
        attempt < 100 && !process.output().includes('failing envoy healthchecks');
        attempt++
      )
        await sleep(50);
      return process.output().split('\n')[0];
    } finally {
      await process.stop();
    }
  };

  it('defaults to text, as Contour', async () => {
    assert.equal(
      await firstLogLine(drainArgs),
      'info waiting 10ms before draining connections context=shutdownHandler',
    );
  });

  it('takes json before or after the subcommand', async () => {
    for (const args of [
      ['--log-format', 'json', ...drainArgs],
      [...drainArgs, '--log-format=json'],
    ]) {
      const line = JSON.parse(await firstLogLine(args)) as { msg: string };
      assert.equal(line.msg, 'waiting 10ms before draining connections');
    }
  });

  it('applies to serve, given after the subcommand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contour-log-format-'));
    const serve = startContour(
      standaloneServeArgs(dir, { health: 0, debug: 0, xds: 0 }, ['--log-format', 'json']),
    );
    try {
      for (let attempt = 0; attempt < 200 && !serve.output().includes('SERVING'); attempt++) await sleep(50);
      const lines = serve.output().trim().split('\n');
      assert.ok(lines.length > 0);
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), line);
      assert.ok(lines.some((line) => (JSON.parse(line) as { phase?: string }).phase === 'SERVING'));
    } finally {
      await serve.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the subcommand is found in raw arguments before commander runs (subcommand loading)', () => {
    assert.equal(subcommandIn(['--log-format', 'json', 'serve', '--manifests', 'x']), 'serve');
    assert.equal(subcommandIn(['--log-format=json', 'envoy', 'shutdown']), 'envoy');
    assert.equal(subcommandIn(['version']), 'version');
  });

  it('refuses a format it does not know, naming the flag', async () => {
    const result = await runContourAsync(['--log-format', 'xml', 'version']);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /--log-format/);
  });
});
