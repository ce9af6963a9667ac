// `contour serve --config-path` with Contour's `cluster.*` and `tls.envoy-client-certificate` settings, as a real
// process: the settings reach the build (the clusters) and the client certificate Secret is published.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serveWithConfig, type ServeWithConfig } from '../helpers/serve-with-config.js';

// Over the golden scenario's manifests: a TLS virtual host, a TLS backend, and the client certificate Secret.
const config = `
cluster:
  max-requests-per-connection: 7
  circuit-breakers:
    max-connections: 11
tls:
  envoy-client-certificate:
    namespace: projectcontour
    name: envoy-client
`;

interface DebugXds {
  clusters: unknown[];
  secrets: { name: string }[];
}

describe('contour serve --config-path with cluster settings', () => {
  let serve: ServeWithConfig;
  before(async () => {
    serve = await serveWithConfig('upstream-tls-settings', config);
  });
  after(() => serve.stop());

  it('puts them on the clusters and publishes the client certificate', async () => {
    const snapshot = await serve.debugXds<DebugXds>(
      'the clusters on /debug/xds',
      (xds) => xds.clusters.length > 0,
    );
    const text = JSON.stringify(snapshot.clusters);
    for (const setting of [
      /"maxRequestsPerConnection":7/,
      /"maxConnections":11/,
      /projectcontour\/envoy-client\//,
    ]) {
      assert.match(text, setting);
    }
    assert.ok(
      snapshot.secrets.some((secret) => secret.name.startsWith('projectcontour/envoy-client/')),
      `client certificate among ${JSON.stringify(snapshot.secrets.map((secret) => secret.name))}`,
    );
  });
});
