// `contour translate`: the pipeline offline, and its determinism across file layouts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { contourBin } from '../helpers/process.js';

const run = promisify(execFile);
const quickstart = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));

const translate = async (dir: string, stage: string): Promise<string> =>
  (await run(contourBin, ['translate', dir, '--stage', stage], { maxBuffer: 64 * 1024 * 1024 })).stdout;

describe('contour translate', () => {
  it('prints the DAG and status of the quickstart', async () => {
    const out = JSON.parse(await translate(quickstart, 'dag')) as {
      dag: { httpVirtualHosts: { fqdn: string }[]; httpsVirtualHosts: { fqdn: string }[] };
      statuses: { name: string; currentStatus: string }[];
    };
    assert.deepEqual(
      out.dag.httpsVirtualHosts.map((v) => v.fqdn),
      ['secure.example.com'],
    );
    assert.ok(out.dag.httpVirtualHosts.some((v) => v.fqdn === 'www.example.com'));
    assert.deepEqual(
      out.statuses.map((s) => `${s.name}:${s.currentStatus}`),
      ['secure:valid', 'www:valid'],
    );
  });

  it('gives byte-identical Envoy output whatever the file layout and document order', async () => {
    const documents: unknown[] = [];
    for (const file of (await readdir(quickstart)).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(await readFile(join(quickstart, file), 'utf8')))
        documents.push(doc.toJS());
    }
    const reversed = await mkdtemp(join(tmpdir(), 'contour-translate-a-'));
    const scattered = await mkdtemp(join(tmpdir(), 'contour-translate-b-'));
    await writeFile(
      join(reversed, 'all.yaml'),
      [...documents]
        .reverse()
        .map((d) => stringify(d))
        .join('---\n'),
    );
    await mkdir(join(scattered, 'z'), { recursive: true });
    for (const [index, document] of documents.entries()) {
      await writeFile(
        join(scattered, index % 2 ? 'z' : '', `${String(100 - index)}.yaml`),
        stringify(document),
      );
    }
    const [original, fromReversed, fromScattered] = await Promise.all([
      translate(quickstart, 'envoy'),
      translate(reversed, 'envoy'),
      translate(scattered, 'envoy'),
    ]);
    assert.ok(original.length > 1000, 'the quickstart produces Envoy config');
    assert.equal(fromReversed, original);
    assert.equal(fromScattered, original);
    await rm(reversed, { recursive: true, force: true });
    await rm(scattered, { recursive: true, force: true });
  });
});
