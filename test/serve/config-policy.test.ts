// `contour serve --config-path` with Contour's global header policy and fallback certificate, as a real
// process: both settings reach the build (headers on the routes' upstreams, the fallback chain and its route
// configuration) and the fallback Secret is published.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serveWithConfig, type ServeWithConfig } from '../helpers/serve-with-config.js';

// Over the golden scenario's manifests: TLS hosts enabling the fallback certificate, its Secret and delegation.
const config = `
policy:
  request-headers:
    set: {x-env: prod}
tls:
  fallback-certificate:
    namespace: projectcontour
    name: fallback
`;

interface DebugXds {
  listeners: unknown[];
  routes: { name: string }[];
  secrets: { name: string }[];
}

describe('contour serve --config-path with policy and tls.fallback-certificate', () => {
  let serve: ServeWithConfig;
  before(async () => {
    serve = await serveWithConfig('fallback-certificate', config);
  });
  after(() => serve.stop());

  it('sets the headers, serves the fallback chain and publishes the fallback Secret', async () => {
    const snapshot = await serve.debugXds<DebugXds>(
      'the routes on /debug/xds',
      (xds) => xds.routes.length > 0,
    );
    assert.match(JSON.stringify(snapshot.routes), /"key":"X-Env","value":"prod"/);
    assert.ok(
      JSON.stringify(snapshot.routes).includes('"name":"ingress_fallbackcert"'),
      `ingress_fallbackcert among ${JSON.stringify(snapshot.routes.map((route) => route.name))}`,
    );
    assert.match(JSON.stringify(snapshot.listeners), /"name":"fallback-certificate"/);
    assert.ok(
      snapshot.secrets.some((secret) => secret.name.startsWith('projectcontour/fallback/')),
      `fallback certificate among ${JSON.stringify(snapshot.secrets.map((secret) => secret.name))}`,
    );
  });
});
