import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envoyCluster } from '../../src/envoy/cluster.js';
import { defaultUpstreamTlsParameters } from '../../src/envoy/tls-context.js';
import { at, cluster, json } from './fixtures.js';

const settings = { connectTimeoutMs: 2000, upstreamTls: defaultUpstreamTlsParameters };
const clusterJson = (c: ReturnType<typeof cluster>) => json(envoyCluster(c, settings));

describe('clusters', () => {
  it('EDS cluster named as the DAG says, fed over ADS by its EDS name', () => {
    const translated = clusterJson(
      cluster('web', 80, {
        service: { namespace: 'default', name: 'web', port: 80, portName: 'http' },
        edsName: 'default/web/http',
      }),
    );
    assert.deepEqual(translated, {
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      alt_stat_name: 'default_web_80',
      common_lb_config: { healthy_panic_threshold: {} },
      connect_timeout: '2s',
      eds_cluster_config: {
        eds_config: { ads: {}, resource_api_version: 'V3' },
        service_name: 'default/web/http',
      },
      name: 'default/web/80/da39a3ee5e',
      type: 'EDS',
    });
  });

  it('h2c: HTTP/2 upstream protocol options, no TLS', () => {
    const translated = clusterJson(cluster('grpc', 9000, { protocol: 'h2c' })) as Record<string, unknown>;
    assert.equal(translated.transport_socket, undefined);
    assert.deepEqual(at(translated as never, 'typed_extension_protocol_options'), {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    });
  });

  it('h2: TLS with ALPN h2 and SNI, plus HTTP/2 options', () => {
    const translated = clusterJson(cluster('grpc', 9443, { protocol: 'h2', sni: 'grpc.internal' }));
    const tls = at(translated, 'transport_socket', 'typed_config');
    assert.equal(
      at(tls, '@type'),
      'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    );
    assert.equal(at(tls, 'sni'), 'grpc.internal');
    assert.deepEqual(at(tls, 'common_tls_context', 'alpn_protocols'), ['h2']);
    assert.ok(
      at(
        translated,
        'typed_extension_protocol_options',
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      ),
    );
  });

  it('tls: TLS without ALPN; validation uses the CA over SDS and checks the subject name', () => {
    const translated = clusterJson(
      cluster('secure', 443, {
        protocol: 'tls',
        upstreamValidation: { caSecret: 'default/ca/abcdef', subjectName: 'secure.internal' },
      }),
    ) as Record<string, unknown>;
    assert.equal(translated.typed_extension_protocol_options, undefined);
    const common = at(
      translated as never,
      'transport_socket',
      'typed_config',
      'common_tls_context',
    ) as Record<string, unknown>;
    assert.equal(common.alpn_protocols, undefined);
    assert.deepEqual(at(common as never, 'combined_validation_context'), {
      default_validation_context: {
        match_typed_subject_alt_names: [{ matcher: { exact: 'secure.internal' }, san_type: 'DNS' }],
      },
      validation_context_sds_secret_config: {
        name: 'default/ca/abcdef',
        sds_config: { ads: {}, resource_api_version: 'V3' },
      },
    });
  });

  it('ExternalName Services become STRICT_DNS clusters with an inline load assignment', () => {
    const translated = clusterJson(cluster('ext', 443, { externalName: 'api.example.org' })) as Record<
      string,
      unknown
    >;
    assert.equal(translated.type, 'STRICT_DNS');
    assert.equal(translated.eds_cluster_config, undefined);
    assert.deepEqual(at(translated as never, 'load_assignment'), {
      cluster_name: 'default/ext',
      endpoints: [
        {
          locality: {},
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: 'api.example.org', port_value: 443 } } } },
          ],
          load_balancing_weight: 1,
        },
      ],
    });
  });

  it('load balancer policies', () => {
    const policy = (loadBalancerPolicy: NonNullable<ReturnType<typeof cluster>['loadBalancerPolicy']>) =>
      (clusterJson(cluster('web', 80, { loadBalancerPolicy })) as Record<string, unknown>).lb_policy;
    assert.equal(policy('RoundRobin'), undefined);
    assert.equal(policy('WeightedLeastRequest'), 'LEAST_REQUEST');
    assert.equal(policy('Random'), 'RANDOM');
    assert.equal(policy('Cookie'), 'RING_HASH');
    assert.equal(policy('RequestHash'), 'RING_HASH');
  });
});
