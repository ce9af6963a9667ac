#!/usr/bin/env node
// Generates TypeScript for Envoy's v3 protos (shipped by @grpc/grpc-js-xds) with protobuf-es.
// Runs at install time (npm "prepare"); output goes to the git-ignored src/gen/.
// The bundled validate.proto lacks StringRules.ignore_empty (field 26), which Envoy's protos use,
// so generation works on a patched copy in .proto-build/.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const deps = join(root, 'node_modules/@grpc/grpc-js-xds/deps');
const work = join(root, '.proto-build');
const out = join(root, 'src/gen');

/** The proto files we use directly; their imports are generated with them. */
export const entryProtos = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/service/listener/v3/lds.proto',
  'envoy/service/route/v3/rds.proto',
  'envoy/service/cluster/v3/cds.proto',
  'envoy/service/endpoint/v3/eds.proto',
  'envoy/service/secret/v3/sds.proto',
  'envoy/service/runtime/v3/rtds.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/filters/http/compressor/v3/compressor.proto',
  'envoy/extensions/compression/gzip/compressor/v3/gzip.proto',
  'envoy/extensions/compression/brotli/compressor/v3/brotli.proto',
  'envoy/extensions/compression/zstd/compressor/v3/zstd.proto',
  'envoy/extensions/filters/http/grpc_web/v3/grpc_web.proto',
  'envoy/extensions/filters/http/grpc_stats/v3/config.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/lua/v3/lua.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/formatter/req_without_query/v3/req_without_query.proto',
  'envoy/extensions/formatter/metadata/v3/metadata.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/regex_engines/v3/google_re2.proto',
  'envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap.proto',
  'envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto',
];

const patchValidate = (text) => {
  if (text.includes('ignore_empty = 26')) return text;
  const start = text.indexOf('message StringRules {');
  if (start < 0) throw new Error('validate.proto: StringRules not found');
  // Insert the missing field right after the opening brace of StringRules.
  const brace = text.indexOf('{', start) + 1;
  return text.slice(0, brace) + '\n  optional bool ignore_empty = 26;\n' + text.slice(brace);
};

const stampOf = () =>
  createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(readFileSync(join(root, 'node_modules/@grpc/grpc-js-xds/package.json')))
    .update(readFileSync(join(root, 'node_modules/@bufbuild/protoc-gen-es/package.json')))
    .digest('hex');

const stampFile = join(out, '.stamp');
const stamp = stampOf();
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && !process.argv.includes('--force')) {
  process.exit(0);
}

rmSync(work, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
const roots = {
  envoy: join(deps, 'envoy-api'),
  xds: join(deps, 'xds'),
  googleapis: join(deps, 'googleapis'),
  validate: join(deps, 'protoc-gen-validate'),
};
for (const [name, dir] of Object.entries(roots)) {
  const target = join(work, name);
  mkdirSync(target, { recursive: true });
  if (name === 'validate') {
    mkdirSync(join(target, 'validate'), { recursive: true });
    const text = readFileSync(join(dir, 'validate/validate.proto'), 'utf8');
    writeFileSync(join(target, 'validate/validate.proto'), patchValidate(text));
  } else {
    cpSync(dir, target, { recursive: true, filter: (p) => !p.includes('/test') });
  }
}
writeFileSync(
  join(work, 'buf.yaml'),
  `version: v2
modules:
  - path: envoy
  - path: xds
  - path: googleapis
  - path: validate
lint:
  use: []
breaking:
  use: []
`,
);
writeFileSync(
  join(work, 'buf.gen.yaml'),
  `version: v2
plugins:
  - local: ${join(root, 'node_modules/.bin/protoc-gen-es')}
    out: ${out}
    strategy: all
    include_imports: true
    opt:
      - target=ts
      - import_extension=js
`,
);
const buf = join(root, 'node_modules/.bin/buf');
const args = ['generate', '--template', 'buf.gen.yaml'];
for (const p of entryProtos) args.push('--path', join('envoy', p));
execFileSync(buf, args, { cwd: work, stdio: 'inherit' });
writeFileSync(stampFile, stamp);
console.error(`generated Envoy protos into ${out}`);
