// Contour v1.33's own example install (test/fixtures/contour/01-contour-config.yaml, 03-contour.yaml,
// 03-envoy.yaml) run against a real kube-apiserver: the contour Deployment's command and arguments, and the
// Envoy DaemonSet's init container, shutdown-manager sidecar and both preStop hooks, unchanged except for
// paths, addresses and ports, with RBAC enforced and Contour's own roles (test/fixtures/contour/02-role-contour.yaml,
// 02-rbac.yaml). Envoy itself is a stand-in admin API on a Unix socket (there is no Envoy here).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/apis/meta.js';
import { generateCertificates } from '../../src/certs/generate.js';
import { validateResource } from '../../src/envoy/validation/validate.js';
import { startStandInEnvoyAdmin } from '../cli/envoy-admin-stand-in.js';
import { runContourAsync } from '../cli/run.js';
import { freePort, getJson, startContour } from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { bootstrapValidationRegistry, decodeBootstrap } from '../helpers/envoy-bootstrap.js';
import {
  applyObject,
  contourRbacFiles,
  createNamespace,
  eventually,
  getObject,
  installCrds,
  killAllChildren,
  projectCrdsFile,
  readYamlObjects,
  repoRoot,
  serviceAccountKubeconfig,
  spawnContour,
  startReplica,
  startTestCluster,
  type TestCluster,
  waitReady,
} from '../../scripts/envtest/harness.js';

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: { httpGet?: { path: string; port: number } };
  lifecycle?: {
    preStop?: {
      exec?: { command: string[] };
      httpGet?: { path: string; port: number; scheme: string };
    };
  };
}
interface Workload {
  kind: string;
  spec: { template: { spec: { containers: Container[]; initContainers?: Container[] } } };
}

const fixture = (name: string) => join(repoRoot, 'test/fixtures/contour', name);
const workload = (file: string, kind: string): Workload => {
  const found = readYamlObjects(fixture(file)).find((object) => object.kind === kind);
  assert.ok(found, `${file} has a ${kind}`);
  return found as unknown as Workload;
};

const containerNamed = (containers: Container[], name: string): Container => {
  const found = containers.find((container) => container.name === name);
  assert.ok(found, `a container named ${name}`);
  return found;
};

/** A flag's default as `contour … --help` prints it. */
const helpDefault = async (command: string[], flag: string): Promise<string | undefined> => {
  const help = await runContourAsync([...command, '--help']);
  assert.equal(help.status, 0, help.stderr);
  const text = help.stdout.replace(/\s+/g, ' ');
  return new RegExp(`${flag} <\\w+> [^(]*\\(default: ([^)]*)\\)`).exec(text)?.[1];
};

/** Rewrites an argument's paths, addresses and ports; nothing else changes. */
const adapt = (arg: string, replacements: [string, string][]): string =>
  replacements.reduce((text, [from, to]) => text.split(from).join(to), arg);

describe("Contour's example install", () => {
  let cluster: TestCluster;
  let directory: string;
  /** Authenticates as the `contour` ServiceAccount. */
  let kubeconfig: string;

  before(async () => {
    // RBAC enforced, contour-ts authenticated as Contour's `contour` ServiceAccount with Contour's own roles.
    cluster = await startTestCluster({ authorization: 'RBAC' });
    await installCrds(cluster.client, projectCrdsFile);
    kubeconfig = await serviceAccountKubeconfig(cluster, 'projectcontour', 'contour');
    for (const file of contourRbacFiles)
      for (const object of readYamlObjects(file)) await applyObject(cluster.client, object);
    directory = mkdtempSync(join(tmpdir(), 'contour-example-'));
    // What the certgen Job and the ConfigMap volume put under /certs and /config in the pods.
    const certificates = generateCertificates();
    for (const [dir, cert, key] of [
      ['contour-certs', certificates.contourCertificate, certificates.contourPrivateKey],
      ['envoy-certs', certificates.envoyCertificate, certificates.envoyPrivateKey],
    ]) {
      mkdirSync(join(directory, dir));
      writeFileSync(join(directory, dir, 'ca.crt'), certificates.caCertificate);
      writeFileSync(join(directory, dir, 'tls.crt'), cert);
      writeFileSync(join(directory, dir, 'tls.key'), key);
    }
    const configMap = readYamlObjects(fixture('01-contour-config.yaml')).find(
      (object) => object.kind === 'ConfigMap',
    ) as unknown as { data: Record<string, string> };
    mkdirSync(join(directory, 'contour-config'));
    writeFileSync(join(directory, 'contour-config', 'contour.yaml'), configMap.data['contour.yaml']);
    mkdirSync(join(directory, 'envoy-config'));
  });
  after(async () => {
    await killAllChildren();
    await cluster?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it("the contour Deployment's command serves with the example ConfigMap and becomes ready", async () => {
    const container = workload('03-contour.yaml', 'Deployment').spec.template.spec.containers[0];
    assert.deepEqual(container.command, ['contour']);
    const xdsPort = await freePort();
    const args = (container.args ?? []).map((arg) =>
      arg === '--incluster'
        ? `--kubeconfig=${kubeconfig}`
        : adapt(arg, [
            ['--xds-address=0.0.0.0', '--xds-address=127.0.0.1'],
            ['--xds-port=8001', `--xds-port=${xdsPort}`],
            ['/certs/', `${join(directory, 'contour-certs')}/`],
            ['/config/', `${join(directory, 'contour-config')}/`],
          ]),
    );
    assert.ok(args.includes(`--config-path=${join(directory, 'contour-config', 'contour.yaml')}`));
    // The pod's own ports (8000 health/metrics, 6060 debug) may be taken on a shared machine.
    const healthPort = await freePort();
    const debugPort = await freePort();
    const replica = spawnContour(
      [
        ...args,
        '--health-address=127.0.0.1',
        `--health-port=${healthPort}`,
        `--debug-http-port=${debugPort}`,
      ],
      { ...process.env, CONTOUR_NAMESPACE: 'projectcontour', POD_NAME: 'contour-example-0' },
    );
    try {
      const ready = await waitReady({
        identity: 'contour-example-0',
        handle: replica,
        readyz: async () => {
          const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
          return response
            ? { status: response.status, body: (await response.json()) as { phase?: string } }
            : { status: 0, body: {} };
        },
      });
      assert.equal(ready.body.phase, 'SERVING');
      // The Deployment's readinessProbe: a TCP connection to the xDS port.
      await new Promise<void>((resolve, reject) => {
        const socket = connect(xdsPort, '127.0.0.1', () => {
          socket.end();
          resolve();
        });
        socket.on('error', reject);
      });
      // The Deployment's livenessProbe.
      assert.equal((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status, 200);
      // The Envoy DaemonSet's readinessProbe is answered by the stats listener this serve sends Envoy.
      const probe = containerNamed(
        workload('03-envoy.yaml', 'DaemonSet').spec.template.spec.containers,
        'envoy',
      ).readinessProbe?.httpGet;
      assert.deepEqual(probe, { path: '/ready', port: 8002 });
      const xds = (await getJson(`http://127.0.0.1:${debugPort}/debug/xds`))?.body as {
        listeners?: { name: string }[];
      };
      const statsListener = JSON.stringify(
        xds.listeners?.find((listener) => listener.name === 'stats-health'),
      );
      assert.match(statsListener, new RegExp(`"port_?value"\\s*:\\s*${probe.port}\\b`, 'i'));
      assert.ok(statsListener.includes(`"${probe.path}"`), `${probe.path} in ${statsListener}`);
    } finally {
      // Release the Lease for the replicas of the next tests.
      replica.child.kill('SIGTERM');
      await replica.exited;
    }
  });

  it("the Envoy DaemonSet's init container writes a valid Envoy bootstrap", async () => {
    const init = workload('03-envoy.yaml', 'DaemonSet').spec.template.spec.initContainers?.[0];
    assert.ok(init, 'the DaemonSet has an init container');
    assert.deepEqual(init.command, ['contour']);
    const args = (init.args ?? []).map((arg) =>
      adapt(arg, [
        ['/certs/', `${join(directory, 'envoy-certs')}/`],
        ['/config/', `${join(directory, 'envoy-config')}/`],
      ]),
    );
    const result = await runContourAsync(args, { CONTOUR_NAMESPACE: 'projectcontour' });
    assert.equal(result.status, 0, result.stderr);
    const bootstrap = decodeBootstrap(readFileSync(join(directory, 'envoy-config', 'envoy.json'), 'utf8'));
    // Envoy's validate.rules over the whole bootstrap, typed configs included.
    assert.deepEqual(validateResource(bootstrap, bootstrapValidationRegistry), []);
    const xds = bootstrap.staticResources?.clusters.find((item) => item.name === 'contour');
    const address = xds?.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
    assert.equal(address?.case, 'endpoint');
    const socketAddress = address.value.address?.address;
    assert.equal(socketAddress?.case, 'socketAddress');
    // --xds-address=contour --xds-port=8001, as the DaemonSet says.
    assert.equal(socketAddress.value.address, 'contour');
    assert.deepEqual(socketAddress.value.portSpecifier, { case: 'portValue', value: 8001 });
    // Envoy's admin API on the Unix socket in the `envoy-admin` volume, where `envoy shutdown` looks for it.
    const admin = bootstrap.admin?.address?.address;
    assert.equal(admin?.case, 'pipe');
    assert.equal(admin.value.path, '/admin/admin.sock');
  });

  it("the Envoy DaemonSet's shutdown-manager sidecar and preStop hooks drain Envoy and release it", async () => {
    const pod = workload('03-envoy.yaml', 'DaemonSet').spec.template.spec;
    const sidecar = containerNamed(pod.containers, 'shutdown-manager');
    const envoy = containerNamed(pod.containers, 'envoy');
    const sidecarCommand = [...(sidecar.command ?? []), ...(sidecar.args ?? [])];
    assert.deepEqual(sidecarCommand, ['/bin/contour', 'envoy', 'shutdown-manager']);
    const drainCommand = sidecar.lifecycle?.preStop?.exec?.command ?? [];
    assert.deepEqual(drainCommand, ['/bin/contour', 'envoy', 'shutdown']);
    const envoyHook = envoy.lifecycle?.preStop?.httpGet;
    assert.deepEqual(envoyHook, { path: '/shutdown', port: 8090, scheme: 'HTTP' });
    // Both containers mount the `envoy-admin` emptyDir at /admin: Envoy's admin socket and the ready file.
    for (const container of [sidecar, envoy])
      assert.ok(
        container.volumeMounts?.some((mount) => mount.name === 'envoy-admin' && mount.mountPath === '/admin'),
      );
    // The manifests pass no paths or port: the commands' defaults are the pod's. The test rewrites those.
    const [, ...managerArgs] = sidecarCommand;
    const [, ...drainArgs] = drainCommand;
    assert.equal(await helpDefault(managerArgs, '--serve-port'), String(envoyHook.port));
    assert.equal(await helpDefault(managerArgs, '--ready-file'), '"/admin/ok"');
    assert.equal(await helpDefault(drainArgs, '--ready-file'), '"/admin/ok"');
    assert.equal(await helpDefault(drainArgs, '--admin-address'), '"/admin/admin.sock"');
    const adminDir = join(directory, 'envoy-admin');
    mkdirSync(adminDir);
    const readyFile = join(adminDir, 'ok');
    const socketPath = join(adminDir, 'admin.sock');
    const port = await freePort();

    // Envoy with one connection still open at the first poll, none at the next.
    const admin = await startStandInEnvoyAdmin({ socketPath, ingressConnections: [1, 0] });
    const manager = startContour([...managerArgs, `--serve-port=${port}`, `--ready-file=${readyFile}`]);
    try {
      await waitFor(
        'the shutdown manager listening',
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            (response) => response.ok || undefined,
            () => undefined,
          ),
        60_000,
      );
      // The kubelet deleting the pod: each container's preStop hook at once, then SIGTERM to that container.
      const envoyPreStop = fetch(
        `${envoyHook.scheme.toLowerCase()}://127.0.0.1:${port}${envoyHook.path}`,
      ).then(
        async (response) => ({
          answer: `${response.status} ${await response.text()}`,
          at: Date.now(),
          readyFileExisted: existsSync(readyFile),
        }),
        (error: Error) => ({ answer: `failed: ${error.message}`, at: Date.now(), readyFileExisted: false }),
      );
      const drained = await runContourAsync([
        ...drainArgs,
        `--admin-address=${socketPath}`,
        `--ready-file=${readyFile}`,
      ]);
      manager.child.kill('SIGTERM');
      const released = await envoyPreStop;
      await admin.close();

      assert.equal(drained.status, 0, drained.stderr);
      assert.ok(existsSync(readyFile), 'envoy shutdown wrote the ready file');
      assert.ok(admin.failingHealthchecks(), "Envoy's health checks were failed");
      const calls = admin.requests.map((request) => `${request.method} ${request.url.split('?')[0]}`);
      assert.deepEqual(calls, ['POST /healthcheck/fail', 'GET /stats/prometheus', 'GET /stats/prometheus']);
      // Envoy's preStop returned only once the ready file existed, after the last poll.
      assert.equal(released.answer, '200 OK');
      assert.ok(released.readyFileExisted, '/shutdown answered before the ready file existed');
      assert.ok(released.at >= admin.requests[admin.requests.length - 1].at);
      assert.equal(await manager.exited, 0);
    } finally {
      await manager.stop();
      await admin.close();
    }
  });

  const contourConfiguration = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'projectcontour.io/v1alpha1',
    kind: 'ContourConfiguration',
    metadata: { name, namespace: 'projectcontour' },
    spec,
  });
  const configurationValidCondition = async (name: string) =>
    eventually(`ContourConfiguration ${name} Valid condition`, async () => {
      const object = await getObject<
        KubeObject & {
          status?: { conditions?: { type: string; status: string; message: string }[] };
        }
      >(cluster.client, 'projectcontour.io/v1alpha1', 'ContourConfiguration', 'projectcontour', name);
      return object?.status?.conditions?.find((condition) => condition.type === 'Valid');
    });

  it('--contour-config-name: the ContourConfiguration configures Envoy and the leader marks it Valid', async () => {
    await applyObject(
      cluster.client,
      contourConfiguration('contour', {
        envoy: {
          listener: { serverHeaderTransformation: 'pass_through' },
          network: { numTrustedHops: 3 },
        },
      }),
    );
    await createNamespace(cluster.client, 'example-app');
    await applyObject(cluster.client, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'example-app' },
      spec: { ports: [{ name: 'http', port: 80 }] },
    });
    await applyObject(cluster.client, {
      apiVersion: 'projectcontour.io/v1',
      kind: 'HTTPProxy',
      metadata: { name: 'web', namespace: 'example-app' },
      spec: { virtualhost: { fqdn: 'web.example.com' }, routes: [{ services: [{ name: 'web', port: 80 }] }] },
    });
    const replica = await startReplica({
      identity: 'contour-config-0',
      kubeconfig,
      leaseNamespace: 'projectcontour',
      args: ['--contour-config-name', 'contour'],
    });
    await waitReady(replica);
    const debugPort = replica.handle.errorLines
      .filter((line) => line.includes('HTTP server listening'))
      .map((line) => JSON.parse(line) as { server?: string; port?: number })
      .find((entry) => entry.server === 'debug')?.port;
    assert.ok(debugPort, 'debug port logged');
    const manager = await eventually('ingress_http in /debug/xds', async () => {
      const text = await (await fetch(`http://127.0.0.1:${debugPort}/debug/xds`)).text();
      // Field names as /debug/xds prints them (protobuf JSON, camelCase or snake_case).
      return /xff_?num_?trusted_?hops"\s*:\s*3/i.test(text) ? text : undefined;
    });
    assert.match(manager, /PASS_THROUGH/);
    const condition = await configurationValidCondition('contour');
    assert.equal(condition.status, 'True');
    await replica.kill('SIGTERM');
  });

  it('--contour-config-name: an unsupported field is refused by name and reported in the status', async () => {
    await applyObject(
      cluster.client,
      contourConfiguration('unsupported', {
        tracing: { extensionService: { namespace: 'projectcontour', name: 'otel' } },
      }),
    );
    const replica = spawnContour(
      [
        'serve',
        `--kubeconfig=${kubeconfig}`,
        '--contour-config-name=unsupported',
        '--health-port=0',
        '--debug-http-port=0',
        '--xds-port=0',
      ],
      { ...process.env, CONTOUR_NAMESPACE: 'projectcontour' },
    );
    assert.equal(await replica.exited, 1);
    assert.match(replica.errorLines.join('\n'), /spec\.tracing is not supported by contour-ts yet/);
    const condition = await configurationValidCondition('unsupported');
    assert.equal(condition.status, 'False');
    assert.match(condition.message, /spec\.tracing/);
  });

  it('--contour-config-name: a missing ContourConfiguration stops start-up with its name', async () => {
    const replica = spawnContour(
      [
        'serve',
        `--kubeconfig=${kubeconfig}`,
        '--contour-config-name=absent',
        '--health-port=0',
        '--debug-http-port=0',
        '--xds-port=0',
      ],
      { ...process.env, CONTOUR_NAMESPACE: 'projectcontour' },
    );
    assert.equal(await replica.exited, 1);
    assert.match(replica.errorLines.join('\n'), /ContourConfiguration projectcontour\/absent not found/);
  });
});
