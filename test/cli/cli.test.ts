// `contour cli` against the real xDS server: prints responses as JSON, ACKs, NACKs with --nack, speaks delta
// and ADS, and uses mTLS with --cafile/--cert-file/--key-file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSnapshotCache } from '../../src/xds/cache/snapshot-cache.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/xds-server.js';
import { nackCounter } from '../../src/xds/server/metrics.js';
import { createXdsServerCredentials } from '../../src/certs/server-credentials.js';
import { typeUrls } from '../../src/envoy/resources.js';
import { silentLogger } from '../../src/util/logger.js';
import { cliTarget } from '../../src/cli/commands/cli.js';
import { endpoints, resourcesOf, staticCluster } from '../xds/fixtures.js';
import { issue, writeClientFiles, writeServerFiles } from '../security/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { runContourAsync } from './run.js';

interface ResponseJson {
  version_info?: string;
  system_version_info?: string;
  type_url: string;
  nonce: string;
  resources: Array<{
    '@type'?: string;
    name?: string;
    cluster_name?: string;
    resource?: { cluster_name?: string };
  }>;
}

const nacks = async (typeUrl: string): Promise<number> =>
  (await nackCounter.get()).values.find((v) => v.labels.type_url === typeUrl)?.value ?? 0;

describe('contour cli', () => {
  let plain: XdsServer;
  let secure: XdsServer;
  let dir: string;
  let clientFiles: { caFile: string; certFile: string; keyFile: string };

  before(async () => {
    const cache = createSnapshotCache();
    cache.publish(
      resourcesOf({
        clusters: [staticCluster('default/b/80/da39a3ee5e'), staticCluster('default/a/80/da39a3ee5e')],
        endpoints: [endpoints('default/a/http'), endpoints('default/b/http', 9090)],
      }),
    );
    plain = await startXdsServer({
      cache,
      address: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      shutdownGraceMs: 100,
    });
    dir = mkdtempSync(join(tmpdir(), 'contour-cli-'));
    mkdirSync(join(dir, 'server'));
    mkdirSync(join(dir, 'client'));
    const set = issue();
    const credentials = createXdsServerCredentials(writeServerFiles(join(dir, 'server'), set));
    assert.ok(credentials.ok);
    clientFiles = writeClientFiles(join(dir, 'client'), set);
    secure = await startXdsServer({
      cache,
      address: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      credentials: credentials.credentials,
      shutdownGraceMs: 100,
    });
  });

  after(async () => {
    await plain?.close();
    await secure?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('combines --contour with --xds-address/--xds-port', () => {
    assert.equal(cliTarget({ contour: '127.0.0.1:8001' }), '127.0.0.1:8001');
    assert.equal(cliTarget({ contour: 'contour:8001', xdsPort: 9000 }), 'contour:9000');
    assert.equal(cliTarget({ contour: '[::1]:8001', xdsAddress: '10.0.0.1' }), '10.0.0.1:8001');
    assert.equal(cliTarget({ contour: '[::1]:7000' }), '[::1]:7000');
    assert.equal(cliTarget({ contour: 'contour' }), 'contour:8001');
  });

  it('cds prints the clusters of one response as JSON and ACKs it', async () => {
    const result = await runContourAsync(['cli', 'cds', `--contour=127.0.0.1:${plain.port}`, '--once']);
    assert.equal(result.status, 0, result.stderr);
    const response = JSON.parse(result.stdout) as ResponseJson;
    assert.equal(response.type_url, typeUrls.cluster);
    assert.deepEqual(
      response.resources.map((r) => [r['@type'], r.name]),
      [
        [typeUrls.cluster, 'default/a/80/da39a3ee5e'],
        [typeUrls.cluster, 'default/b/80/da39a3ee5e'],
      ],
    );
    assert.match(result.stderr, /^ACK version="[^"]+" nonce="[^"]+" resources=2$/m);
  });

  it('eds over delta ADS returns only the named resources', async () => {
    const result = await runContourAsync([
      'cli',
      '--delta',
      '--ads',
      `--xds-port=${plain.port}`,
      'eds',
      'default/b/http',
      '--once',
    ]);
    assert.equal(result.status, 0, result.stderr);
    const response = JSON.parse(result.stdout) as ResponseJson;
    assert.equal(response.type_url, typeUrls.endpoint);
    assert.ok(response.system_version_info !== undefined);
    assert.deepEqual(
      response.resources.map((r) => [r.name, r.resource?.cluster_name]),
      [['default/b/http', 'default/b/http']],
    );
  });

  it('--nack rejects the response with an error detail the server counts', async () => {
    const before = await nacks(typeUrls.cluster);
    const result = await runContourAsync([
      'cli',
      'cds',
      '--nack',
      '--once',
      `--contour=127.0.0.1:${plain.port}`,
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /^NACK /m);
    await waitFor('the server to count the NACK', async () => (await nacks(typeUrls.cluster)) > before);
  });

  it('connects with mTLS given the envoy certificate, and fails clearly without it', async () => {
    const result = await runContourAsync([
      'cli',
      'cds',
      '--once',
      `--contour=127.0.0.1:${secure.port}`,
      `--cafile=${clientFiles.caFile}`,
      `--cert-file=${clientFiles.certFile}`,
      `--key-file=${clientFiles.keyFile}`,
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as ResponseJson).resources.length, 2);

    const refused = await runContourAsync(['cli', 'cds', '--once', `--contour=127.0.0.1:${secure.port}`]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /stream to 127\.0\.0\.1:\d+ ended/);
    assert.equal(refused.stdout, '');

    const partial = await runContourAsync(['cli', 'cds', `--cafile=${clientFiles.caFile}`]);
    assert.equal(partial.status, 1);
    assert.match(partial.stderr, /all three TLS parameters - --cafile, --cert-file, --key-file/);
  });
});
