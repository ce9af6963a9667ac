// The files source hands the TLS Secret checks its parser threads did to whoever builds (serve wires
// them to the engine's SecretChecks): no module state between the threads and the build.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificates } from '../../src/certs/generate.js';
import type { PrimedSecretCheck } from '../../src/certs/secret-checks.js';
import { createFilesSource } from '../../src/sources/files/files-source.js';
import { silentLogger } from '../../src/util/logger.js';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

describe('files source: parser-thread secret checks', () => {
  it('passes the checks of a big file’s TLS Secrets to primeSecretChecks', async () => {
    const pair = generateCertificates({ now: new Date('2026-01-01T00:00:00Z') });
    const secret = `apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: serving, namespace: default }
data: { tls.crt: ${base64(pair.envoyCertificate)}, tls.key: ${base64(pair.envoyPrivateKey)} }
`;
    // Big enough (≥ 64 KiB) to be parsed on a thread.
    const padding = Array.from(
      { length: 900 },
      (_, index) =>
        `apiVersion: v1\nkind: Service\nmetadata: { name: s${index}, namespace: default }\nspec: { ports: [{ port: 80 }] }\n`,
    );
    const dir = await mkdtemp(join(tmpdir(), 'contour-priming-'));
    const primed: PrimedSecretCheck[] = [];
    const source = createFilesSource(
      { directory: dir, primeSecretChecks: (checks) => primed.push(...checks) },
      silentLogger(),
    );
    try {
      await writeFile(join(dir, 'big.yaml'), [secret, ...padding].join('---\n'));
      await source.start({ apply: () => undefined, synced: () => undefined, stale: () => undefined });
      assert.deepEqual(
        primed.map((check) => [check.kind, check.namespace, check.name, check.result.error]),
        [['tls', 'default', 'serving', undefined]],
      );
    } finally {
      await source.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
