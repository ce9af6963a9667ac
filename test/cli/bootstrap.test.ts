// `contour bootstrap`: the output decodes as Envoy's Bootstrap with Envoy's protos and says what Contour's does
// (ADS over a static HTTP/2 `contour` cluster), in plaintext and TLS variants; bad flags give clear errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJsonString } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { Bootstrap } from '../../src/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import {
  Cluster_DiscoveryType,
  Cluster_DnsLookupFamily,
} from '../../src/gen/envoy/config/cluster/v3/cluster_pb.js';
import { ApiConfigSource_ApiType, ApiVersion } from '../../src/gen/envoy/config/core/v3/config_source_pb.js';
import { FixedHeapConfigSchema } from '../../src/gen/envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap_pb.js';
import { DownstreamConnectionsConfigSchema } from '../../src/gen/envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections_pb.js';
import { HttpProtocolOptionsSchema } from '../../src/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb.js';
import { UpstreamTlsContextSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
import { SecretSchema } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { SubjectAltNameMatcher_SanType } from '../../src/gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
import { DiscoveryResponseSchema } from '../../src/gen/envoy/service/discovery/v3/discovery_pb.js';
import { runContour } from './run.js';
import { bootstrapRegistry, decodeBootstrap } from '../helpers/envoy-bootstrap.js';
import { bootstrapOptionsFromFlags, writeBootstrap } from '../../src/cli/commands/bootstrap.js';

const registry = bootstrapRegistry;

const xdsCluster = (bootstrap: Bootstrap) => {
  const cluster = bootstrap.staticResources?.clusters.find((c) => c.name === 'contour');
  assert.ok(cluster, 'static cluster "contour" present');
  return cluster;
};

const upstreamTls = (bootstrap: Bootstrap) => {
  const socket = xdsCluster(bootstrap).transportSocket;
  assert.equal(socket?.name, 'envoy.transport_sockets.tls');
  assert.equal(socket.configType.case, 'typedConfig');
  const context = anyUnpack(socket.configType.value, UpstreamTlsContextSchema);
  assert.ok(context?.commonTlsContext);
  return context.commonTlsContext;
};

describe('contour bootstrap', () => {
  let dir: string;
  let certs: { ca: string; cert: string; key: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'contour-bootstrap-'));
    certs = { ca: join(dir, 'ca.crt'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
    for (const file of Object.values(certs)) writeFileSync(file, '-----BEGIN PLACEHOLDER-----\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a plaintext ADS bootstrap to stdout with Contour defaults', () => {
    const result = runContour(['bootstrap', '-']);
    assert.equal(result.status, 0, result.stderr);
    const bootstrap = decodeBootstrap(result.stdout);

    const cluster = xdsCluster(bootstrap);
    assert.equal(cluster.clusterDiscoveryType.case, 'type');
    assert.equal(cluster.clusterDiscoveryType.value, Cluster_DiscoveryType.STATIC, 'an IP needs no DNS');
    assert.equal(cluster.altStatName, 'projectcontour_contour_8001');
    assert.equal(cluster.connectTimeout?.seconds, 5n);
    const endpoint = cluster.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
    assert.equal(endpoint?.case, 'endpoint');
    const address = endpoint.value.address?.address;
    assert.equal(address?.case, 'socketAddress');
    assert.equal(address.value.address, '127.0.0.1');
    assert.deepEqual(address.value.portSpecifier, { case: 'portValue', value: 8001 });
    assert.equal(cluster.transportSocket, undefined, 'plaintext: no TLS');

    const protocol =
      cluster.typedExtensionProtocolOptions['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'];
    const options = anyUnpack(protocol, HttpProtocolOptionsSchema);
    assert.equal(options?.upstreamProtocolOptions.case, 'explicitHttpConfig');
    assert.equal(options.upstreamProtocolOptions.value.protocolConfig.case, 'http2ProtocolOptions');

    const dynamic = bootstrap.dynamicResources;
    assert.equal(dynamic?.adsConfig?.apiType, ApiConfigSource_ApiType.GRPC);
    assert.equal(dynamic.adsConfig.transportApiVersion, ApiVersion.V3);
    const grpc = dynamic.adsConfig.grpcServices[0]?.targetSpecifier;
    assert.equal(grpc?.case, 'envoyGrpc');
    assert.equal(grpc.value.clusterName, 'contour');
    for (const source of [dynamic.ldsConfig, dynamic.cdsConfig]) {
      assert.equal(source?.configSourceSpecifier.case, 'ads');
      assert.equal(source.resourceApiVersion, ApiVersion.V3);
    }

    const admin = bootstrap.admin?.address?.address;
    assert.equal(admin?.case, 'pipe');
    assert.equal(admin.value.path, '/admin/admin.sock');
    const adminCluster = bootstrap.staticResources?.clusters.find((c) => c.name === 'envoy-admin');
    assert.equal(adminCluster?.altStatName, 'projectcontour_envoy-admin_9001');
    assert.equal(bootstrap.defaultRegexEngine?.name, 'envoy.regex_engines.google_re2');
    assert.equal(bootstrap.overloadManager, undefined);
  });

  it('follows --xds-address/--xds-port/--namespace/--admin-address/--dns-lookup-family and writes a file', () => {
    const path = join(dir, 'envoy.json');
    const result = runContour(
      [
        'bootstrap',
        path,
        '--xds-address=contour.projectcontour',
        '--xds-port=8443',
        '--admin-address=/tmp/admin.sock',
        '--dns-lookup-family=v6',
        '--overload-max-heap=2147483648',
        '--overload-downstream-max-conn=1000',
      ],
      { CONTOUR_NAMESPACE: 'ingress' },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
    const bootstrap = decodeBootstrap(readFileSync(path, 'utf8'));
    const cluster = xdsCluster(bootstrap);
    assert.equal(cluster.clusterDiscoveryType.value, Cluster_DiscoveryType.STRICT_DNS, 'a name is resolved');
    assert.equal(cluster.dnsLookupFamily, Cluster_DnsLookupFamily.V6_ONLY);
    assert.equal(cluster.altStatName, 'ingress_contour_8443');
    const address = cluster.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
    assert.equal(address?.case, 'endpoint');
    assert.equal(address.value.address?.address.case, 'socketAddress');
    assert.equal(address.value.address.address.value.address, 'contour.projectcontour');
    const admin = bootstrap.admin?.address?.address;
    assert.equal(admin?.case, 'pipe');
    assert.equal(admin.value.path, '/tmp/admin.sock');

    const monitors = bootstrap.overloadManager?.resourceMonitors ?? [];
    assert.deepEqual(
      monitors.map((m) => m.name),
      ['envoy.resource_monitors.fixed_heap', 'envoy.resource_monitors.global_downstream_max_connections'],
    );
    assert.equal(monitors[0].configType.case, 'typedConfig');
    assert.equal(
      anyUnpack(monitors[0].configType.value, FixedHeapConfigSchema)?.maxHeapSizeBytes,
      2147483648n,
    );
    assert.equal(monitors[1].configType.case, 'typedConfig');
    assert.equal(
      anyUnpack(monitors[1].configType.value, DownstreamConnectionsConfigSchema)
        ?.maxActiveDownstreamConnections,
      1000n,
    );
    assert.deepEqual(
      bootstrap.overloadManager?.actions.map((a) => a.name),
      ['envoy.overload_actions.shrink_heap', 'envoy.overload_actions.stop_accepting_requests'],
    );
  });

  it('with TLS files and --resources-dir, uses SDS files that name the certificate files', () => {
    const resources = join(dir, 'resources');
    const path = join(dir, 'envoy-tls.json');
    const result = runContour([
      'bootstrap',
      path,
      `--envoy-cafile=${certs.ca}`,
      `--envoy-cert-file=${certs.cert}`,
      `--envoy-key-file=${certs.key}`,
      `--resources-dir=${resources}`,
    ]);
    assert.equal(result.status, 0, result.stderr);
    const common = upstreamTls(decodeBootstrap(readFileSync(path, 'utf8')));
    const certificatePath = join(resources, 'sds', 'xds-tls-certificate.json');
    const validationPath = join(resources, 'sds', 'xds-validation-context.json');

    const certificateSds = common.tlsCertificateSdsSecretConfigs[0];
    assert.equal(certificateSds?.name, 'contour_xds_tls_certificate');
    assert.equal(certificateSds.sdsConfig?.configSourceSpecifier.case, 'pathConfigSource');
    assert.equal(certificateSds.sdsConfig.configSourceSpecifier.value.path, certificatePath);
    assert.equal(common.validationContextType.case, 'validationContextSdsSecretConfig');
    assert.equal(common.validationContextType.value.name, 'contour_xds_tls_validation_context');
    const validationSource = common.validationContextType.value.sdsConfig?.configSourceSpecifier;
    assert.equal(validationSource?.case, 'pathConfigSource');
    assert.equal(validationSource.value.path, validationPath);
    assert.equal(common.tlsCertificates.length, 0, 'no inline certificates: rotation goes through SDS');

    const certificateSecret = anyUnpack(
      fromJsonString(DiscoveryResponseSchema, readFileSync(certificatePath, 'utf8'), { registry })
        .resources[0],
      SecretSchema,
    );
    assert.equal(certificateSecret?.name, 'contour_xds_tls_certificate');
    assert.equal(certificateSecret.type.case, 'tlsCertificate');
    assert.deepEqual(certificateSecret.type.value.certificateChain?.specifier, {
      case: 'filename',
      value: certs.cert,
    });
    assert.deepEqual(certificateSecret.type.value.privateKey?.specifier, {
      case: 'filename',
      value: certs.key,
    });

    const validationSecret = anyUnpack(
      fromJsonString(DiscoveryResponseSchema, readFileSync(validationPath, 'utf8'), { registry })
        .resources[0],
      SecretSchema,
    );
    assert.equal(validationSecret?.name, 'contour_xds_tls_validation_context');
    assert.equal(validationSecret.type.case, 'validationContext');
    assert.deepEqual(validationSecret.type.value.trustedCa?.specifier, { case: 'filename', value: certs.ca });
    const san = validationSecret.type.value.matchTypedSubjectAltNames[0];
    assert.equal(san?.sanType, SubjectAltNameMatcher_SanType.DNS);
    assert.deepEqual(san.matcher?.matchPattern, { case: 'exact', value: 'contour' });
    assert.equal(statSync(join(resources, 'sds')).isDirectory(), true);
  });

  it('with TLS files and no --resources-dir, names the files inline (from the ENVOY_* variables)', () => {
    const result = runContour(['bootstrap', '-'], {
      ENVOY_CAFILE: certs.ca,
      ENVOY_CERT_FILE: certs.cert,
      ENVOY_KEY_FILE: certs.key,
    });
    assert.equal(result.status, 0, result.stderr);
    const common = upstreamTls(decodeBootstrap(result.stdout));
    assert.deepEqual(common.tlsCertificates[0]?.certificateChain?.specifier, {
      case: 'filename',
      value: certs.cert,
    });
    assert.deepEqual(common.tlsCertificates[0]?.privateKey?.specifier, {
      case: 'filename',
      value: certs.key,
    });
    assert.equal(common.validationContextType.case, 'validationContext');
    assert.deepEqual(common.validationContextType.value.trustedCa?.specifier, {
      case: 'filename',
      value: certs.ca,
    });
  });

  const failures: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an IP admin address', { adminAddress: '127.0.0.1' }, /--admin-address.*unix socket/],
    ['an unknown DNS family', { dnsLookupFamily: 'v5' }, /--dns-lookup-family "v5"/],
    ['an unknown resource version', { xdsResourceVersion: 'v2' }, /only "v3"/],
    ['a negative connection limit', { overloadDownstreamMaxConn: -1n }, /cannot be < 0/],
  ];
  for (const [what, flags, message] of failures) {
    it(`refuses ${what} with a clear message`, () => {
      const written: string[] = [];
      const options = bootstrapOptionsFromFlags('-', {
        adminAddress: '/admin/admin.sock',
        namespace: 'projectcontour',
        xdsResourceVersion: 'v3',
        ...flags,
      });
      assert.match(writeBootstrap(options, (text) => written.push(text)) ?? '', message);
      assert.deepEqual(written, []);
    });
  }

  it('exits 1 with a message for bad flags on the command line', () => {
    const partial = runContour(['bootstrap', '-', '--envoy-cafile=/nonexistent']);
    assert.equal(partial.status, 1);
    assert.match(partial.stderr, /you must supply all TLS parameters/);
    assert.equal(partial.stdout, '');
    const port = runContour(['bootstrap', '-', '--xds-port=http']);
    assert.notEqual(port.status, 0);
    assert.match(port.stderr, /--xds-port must be a port number/);
  });

  it('refuses TLS files that are missing or empty', () => {
    const empty = join(dir, 'empty.key');
    writeFileSync(empty, '');
    const written: string[] = [];
    const flags = {
      adminAddress: '/admin/admin.sock',
      namespace: 'projectcontour',
      xdsResourceVersion: 'v3',
    };
    const missing = bootstrapOptionsFromFlags('-', {
      ...flags,
      envoyCafile: join(dir, 'nope.crt'),
      envoyCertFile: certs.cert,
      envoyKeyFile: certs.key,
    });
    assert.match(writeBootstrap(missing, (text) => written.push(text)) ?? '', /nope\.crt/);
    const blank = bootstrapOptionsFromFlags('-', {
      ...flags,
      envoyCafile: certs.ca,
      envoyCertFile: certs.cert,
      envoyKeyFile: empty,
    });
    assert.match(writeBootstrap(blank, (text) => written.push(text)) ?? '', /empty\.key" is empty/);
    assert.deepEqual(written, []);
  });
});
