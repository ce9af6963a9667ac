// The validate.rules validator catches what Envoy would reject.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, type Cluster_LbPolicy } from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ListenerSchema } from '../../src/gen/envoy/config/listener/v3/listener_pb.js';
import { RouteConfigurationSchema } from '../../src/gen/envoy/config/route/v3/route_pb.js';
import { HttpConnectionManagerSchema } from '../../src/gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
import { ClusterLoadAssignmentSchema } from '../../src/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import { validateResource } from '../../src/envoy/validation/validate.js';

const expectViolation = (violations: string[], pattern: RegExp) =>
  assert.ok(
    violations.some((violation) => pattern.test(violation)),
    `expected a violation matching ${String(pattern)}, got ${JSON.stringify(violations)}`,
  );

const validCluster = () =>
  create(ClusterSchema, {
    name: 'default/web/80/abc',
    connectTimeout: { seconds: 2n },
    clusterDiscoveryType: { case: 'type' as const, value: 3 },
  });

describe('validateResource', () => {
  it('accepts a valid message', () => {
    assert.deepEqual(validateResource(validCluster()), []);
  });

  it('string min_len', () => {
    const cluster = validCluster();
    cluster.name = '';
    expectViolation(validateResource(cluster), /^Cluster\.name: length must be at least 1$/);
  });

  it('duration gt', () => {
    const cluster = validCluster();
    cluster.connectTimeout = { $typeName: 'google.protobuf.Duration', seconds: 0n, nanos: 0 };
    expectViolation(validateResource(cluster), /^Cluster\.connect_timeout: must be greater than 0ns$/);
  });

  it('enum defined_only', () => {
    const cluster = validCluster();
    cluster.lbPolicy = 42 as Cluster_LbPolicy;
    expectViolation(validateResource(cluster), /Cluster\.lb_policy: 42 is not a defined value/);
  });

  it('message required', () => {
    const assignment = create(ClusterLoadAssignmentSchema, {
      clusterName: 'x',
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpoint' as const, value: {} } }] }],
    });
    // Endpoint.address is optional, but SocketAddress inside it has required fields; start simpler:
    assert.deepEqual(validateResource(assignment), []);
    const listener = create(ListenerSchema, {
      name: 'l',
      filterChains: [{ filters: [{ name: 'f' }], transportSocket: { name: '' } }],
    });
    expectViolation(validateResource(listener), /transport_socket\.name: length must be at least 1/);
  });

  it('uint32 ranges inside wrappers and numbers', () => {
    const assignment = create(ClusterLoadAssignmentSchema, {
      clusterName: 'x',
      endpoints: [{ loadBalancingWeight: 0, lbEndpoints: [] }],
    });
    expectViolation(
      validateResource(assignment),
      /endpoints\[0\]\.load_balancing_weight: must be >= 1, got 0/,
    );
  });

  it('repeated min_items and nested paths', () => {
    const config = create(RouteConfigurationSchema, {
      name: 'r',
      virtualHosts: [{ name: 'v', domains: [], routes: [] }],
    });
    expectViolation(
      validateResource(config),
      /^RouteConfiguration\.virtual_hosts\[0\]\.domains: must have at least 1 item/,
    );
  });

  it('oneof required', () => {
    const config = create(RouteConfigurationSchema, {
      name: 'r',
      virtualHosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [{ match: { pathSpecifier: { case: 'prefix' as const, value: '/' } } }],
        },
      ],
    });
    expectViolation(validateResource(config), /routes\[0\]: one of .*route.*redirect.* is required/);
  });

  it('well-known HTTP header names (non-strict: only NUL, CR, LF are refused)', () => {
    const config = create(RouteConfigurationSchema, {
      name: 'r',
      virtualHosts: [
        {
          name: 'v',
          domains: ['*'],
          requestHeadersToRemove: ['fine header', 'bad\nheader'],
        },
      ],
    });
    expectViolation(validateResource(config), /request_headers_to_remove\[1\]: must be an HTTP header name/);
    assert.ok(!validateResource(config).some((v) => v.includes('request_headers_to_remove[0]')));
  });

  it('looks inside Any payloads the registry knows', () => {
    const listener = create(ListenerSchema, {
      name: 'l',
      filterChains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              configType: {
                case: 'typedConfig' as const,
                // stat_prefix must not be empty.
                value: anyPack(
                  HttpConnectionManagerSchema,
                  create(HttpConnectionManagerSchema, { statPrefix: '' }),
                ),
              },
            },
          ],
        },
      ],
    });
    expectViolation(
      validateResource(listener),
      /typed_config<envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager>\.stat_prefix: length must be at least 1/,
    );
  });

  it('regex matchers must compile with RE2 (Envoy would NACK them)', () => {
    const config = create(RouteConfigurationSchema, {
      name: 'r',
      virtualHosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [
            {
              match: { pathSpecifier: { case: 'safeRegex' as const, value: { regex: '^/(a' } } },
              action: { case: 'directResponse' as const, value: { status: 404 } },
            },
            {
              // Lookahead is not RE2.
              match: { pathSpecifier: { case: 'safeRegex' as const, value: { regex: '^/(?=x)' } } },
              action: { case: 'directResponse' as const, value: { status: 404 } },
            },
            {
              match: { pathSpecifier: { case: 'safeRegex' as const, value: { regex: '^/v[0-9]+/.*' } } },
              action: { case: 'directResponse' as const, value: { status: 404 } },
            },
          ],
        },
      ],
    });
    const violations = validateResource(config);
    expectViolation(violations, /routes\[0\]\.match\.safe_regex\.regex: not a valid RE2 pattern/);
    expectViolation(violations, /routes\[1\]\.match\.safe_regex\.regex: not a valid RE2 pattern/);
    assert.ok(!violations.some((v) => v.includes('routes[2]')), JSON.stringify(violations));
  });

  it('reports messages it has no descriptor for', () => {
    const unknown = { $typeName: 'example.Unknown' } as never;
    expectViolation(validateResource(unknown), /type unknown to the validator/);
  });
});
