// Harness for the Kubernetes tests and the bench's envtest rows: a real kube-apiserver + etcd from scripts/envtest (or the
// cluster $KUBECONFIG points at), CRD installation, object helpers, and API server restarts.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import type { KubeObject } from '../../src/apis/meta.js';
import type { StoredCondition } from '../../src/status/desired.js';
import {
  createKubeClient,
  isApiStatus,
  type KubeClient,
  loadKubeConfig,
} from '../../src/sources/kubernetes/client.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const contourBin = resolve(repoRoot, 'bin/contour');
const envtestDir = process.env.KUBE_ENVTEST_SCRIPTS ?? resolve(repoRoot, 'scripts/envtest');

/** A running API server the tests talk to. */
export interface TestCluster {
  kubeconfig: string;
  client: KubeClient;
  /** Whether this harness controls the processes (false with a developer's $KUBECONFIG). */
  controlled: boolean;
  /** Stops kube-apiserver only (etcd keeps the data). */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again with the same flags and port; resolves once it is ready. */
  startApiServer(): Promise<void>;
  /** Stops everything the harness started. */
  stop(): Promise<void>;
}

const parseKeyValues = (output: string): Record<string, string> =>
  Object.fromEntries(
    output
      .trim()
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

const runScript = (script: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env): string =>
  execFileSync(resolve(envtestDir, script), args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });

/** Polls until check returns a value other than undefined/false, or fails after timeoutMs. */
export const eventually = async <T>(
  description: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  // A bound for a loaded 2-core machine (child processes take seconds to start there), not a speed check.
  timeoutMs = 90_000,
  intervalMs = 100,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out waiting for ${description}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
};

const waitApiReady = (client: KubeClient, timeoutMs = 60_000): Promise<true> =>
  eventually(
    'kube-apiserver /readyz',
    async () => {
      await client.request({ method: 'GET', path: '/readyz', timeoutMs: 2000 }).catch((error: unknown) => {
        // /readyz answers text, not JSON: a 200 with a non-JSON body is ready.
        if ((error as { reason?: string }).reason !== 'BadResponse') throw error;
      });
      return true as const;
    },
    timeoutMs,
    200,
  );

const procStartTime = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[19];
};

const isGone = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).startsWith('Z');
  } catch {
    return true;
  }
};

export interface TestClusterOptions {
  /** `RBAC` enforces RBAC (the harness's own client stays admin: system:masters); default AlwaysAllow. */
  authorization?: 'AlwaysAllow' | 'RBAC';
}

/** Starts envtest (installing it if needed) or uses $KUBECONFIG when a developer set it. */
export const startTestCluster = async (options: TestClusterOptions = {}): Promise<TestCluster> => {
  if (process.env.KUBECONFIG && !process.env.KUBE_ENVTEST_FORCE_START) {
    const kubeconfig = process.env.KUBECONFIG;
    const client = createKubeClient(loadKubeConfig({ kubeconfig }));
    const unsupported = (): Promise<void> => Promise.reject(new Error('cannot restart an external cluster'));
    return {
      kubeconfig,
      client,
      controlled: false,
      stopApiServer: unsupported,
      startApiServer: unsupported,
      stop: async () => {},
    };
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.KUBE_ENVTEST_STATE;
  Object.assign(env, parseKeyValues(runScript('install.sh', [], env)));
  if (options.authorization) env.KUBE_ENVTEST_AUTHZ = options.authorization;
  // A loaded CI machine (several API servers starting at once) can take well over the default
  // 60 s; a start that still fails is retried once with a fresh state dir.
  env.KUBE_ENVTEST_START_TIMEOUT ??= '180';
  let started: Record<string, string>;
  try {
    started = parseKeyValues(runScript('start.sh', [], env));
  } catch {
    started = parseKeyValues(runScript('start.sh', [], env));
  }
  const kubeconfig = started.KUBECONFIG;
  const state = started.KUBE_ENVTEST_STATE;
  if (!kubeconfig || !state)
    throw new Error('envtest start.sh did not print KUBECONFIG and KUBE_ENVTEST_STATE');
  const client = createKubeClient(loadKubeConfig({ kubeconfig }));
  let savedArgv: string[] | undefined;

  const stopApiServer = async (): Promise<void> => {
    const pidFile = `${state}/kube-apiserver.pid`;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (isGone(pid)) return;
    savedArgv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // A short grace period, then SIGKILL: long-running watches make a clean shutdown slow, and
    // an abrupt stop is the harder case for clients anyway.
    process.kill(pid, 'SIGTERM');
    await eventually('kube-apiserver to exit', () => isGone(pid), 3000).catch(async () => {
      process.kill(pid, 'SIGKILL');
      await eventually('kube-apiserver to exit after SIGKILL', () => isGone(pid), 10_000);
    });
  };

  const startApiServer = async (): Promise<void> => {
    if (!savedArgv) throw new Error('kube-apiserver was not stopped by this harness');
    const log = openSync(`${state}/kube-apiserver.log`, 'a');
    const child = spawn(savedArgv[0], savedArgv.slice(1), { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    child.unref();
    const pid = child.pid;
    if (!pid) throw new Error('could not start kube-apiserver');
    // Recorded like start.sh does, so stop.sh stops the new process too.
    writeFileSync(`${state}/kube-apiserver.pid`, `${pid}\n`);
    writeFileSync(`${state}/kube-apiserver.starttime`, `${procStartTime(pid)}\n`);
    await waitApiReady(client);
  };

  const stop = async (): Promise<void> => {
    // A short SIGTERM grace: the API server's open watches otherwise hold it for the full 20 s.
    if (existsSync(state)) runScript('stop.sh', [state], { ...env, KUBE_ENVTEST_STOP_TIMEOUT: '3' });
  };

  return { kubeconfig, client, controlled: true, stopApiServer, startApiServer, stop };
};

/** REST coordinates of the kinds tests create. */
const restInfo: Record<string, { plural: string; namespaced: boolean }> = {
  Namespace: { plural: 'namespaces', namespaced: false },
  Secret: { plural: 'secrets', namespaced: true },
  Service: { plural: 'services', namespaced: true },
  Endpoints: { plural: 'endpoints', namespaced: true },
  EndpointSlice: { plural: 'endpointslices', namespaced: true },
  Ingress: { plural: 'ingresses', namespaced: true },
  IngressClass: { plural: 'ingressclasses', namespaced: false },
  HTTPProxy: { plural: 'httpproxies', namespaced: true },
  TLSCertificateDelegation: { plural: 'tlscertificatedelegations', namespaced: true },
  ExtensionService: { plural: 'extensionservices', namespaced: true },
  ContourConfiguration: { plural: 'contourconfigurations', namespaced: true },
  CustomResourceDefinition: { plural: 'customresourcedefinitions', namespaced: false },
  Lease: { plural: 'leases', namespaced: true },
  ConfigMap: { plural: 'configmaps', namespaced: true },
  ServiceAccount: { plural: 'serviceaccounts', namespaced: true },
  ClusterRole: { plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: { plural: 'clusterrolebindings', namespaced: false },
  Role: { plural: 'roles', namespaced: true },
  RoleBinding: { plural: 'rolebindings', namespaced: true },
  Job: { plural: 'jobs', namespaced: true },
  Deployment: { plural: 'deployments', namespaced: true },
  DaemonSet: { plural: 'daemonsets', namespaced: true },
};

/** The REST path of an object (or its collection when name is omitted). */
export const pathOf = (
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name?: string,
): string => {
  const info = restInfo[kind];
  if (!info) throw new Error(`harness does not know kind ${kind}`);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const scope = info.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
  return `${base}${scope}/${info.plural}${name ? `/${name}` : ''}`;
};

const pathOfObject = (object: KubeObject, withName: boolean): string =>
  pathOf(
    object.apiVersion,
    object.kind,
    object.metadata.namespace,
    withName ? object.metadata.name : undefined,
  );

/** Creates an object, or replaces it when it exists. Returns what the server stored. */
export const applyObject = async <T extends KubeObject>(client: KubeClient, object: T): Promise<T> => {
  try {
    // A copy of a stored object may carry a resourceVersion, which a create must not.
    const { resourceVersion: _ignored, ...metadata } = object.metadata;
    return await client.request<T>({
      method: 'POST',
      path: pathOfObject(object, false),
      body: { ...object, metadata },
    });
  } catch (error) {
    if (!isApiStatus(error, 409)) throw error;
  }
  // Replace with the current resourceVersion; a status write in between is a conflict: retry.
  for (let attempt = 0; ; attempt++) {
    const current = await client.request<KubeObject>({ method: 'GET', path: pathOfObject(object, true) });
    const replacement: KubeObject = {
      ...object,
      metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion },
    };
    if (object.kind === 'Service') {
      // A Service's cluster IP is allocated by the server and may not be unset by a replace.
      const { clusterIP, clusterIPs } = (current.spec ?? {}) as { clusterIP?: string; clusterIPs?: string[] };
      replacement.spec = { ...(object.spec as object), clusterIP, clusterIPs };
    }
    try {
      return await client.request<T>({ method: 'PUT', path: pathOfObject(object, true), body: replacement });
    } catch (error) {
      if (!isApiStatus(error, 409) || attempt >= 10) throw error;
    }
  }
};

/** Reads an object, or undefined when it does not exist. */
export const getObject = async <T extends KubeObject>(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<T | undefined> => {
  try {
    return await client.request<T>({ method: 'GET', path: pathOf(apiVersion, kind, namespace, name) });
  } catch (error) {
    if (isApiStatus(error, 404)) return undefined;
    throw error;
  }
};

/** Deletes an object; a missing object is fine. */
export const deleteObject = async (
  client: KubeClient,
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
): Promise<void> => {
  try {
    await client.request({ method: 'DELETE', path: pathOf(apiVersion, kind, namespace, name) });
  } catch (error) {
    if (!isApiStatus(error, 404)) throw error;
  }
};

/** Creates a namespace (fine if it exists). */
export const createNamespace = (client: KubeClient, name: string): Promise<KubeObject> =>
  applyObject(client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** Reads every document of a YAML file as objects. */
export const readYamlObjects = (file: string): KubeObject[] =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null && typeof object === 'object');

/** The CRDs the project ships. */
export const projectCrdsFile = resolve(repoRoot, 'deploy/crds.yaml');
/** Contour's published CRDs, for compatibility checks. */
export const referenceCrdsFile = resolve(repoRoot, 'test/fixtures/contour/crds.yaml');

/** Installs CRDs from a YAML file and waits until the server serves them. */
export const installCrds = async (client: KubeClient, file: string, kinds?: string[]): Promise<void> => {
  const crds = readYamlObjects(file).filter(
    (object) =>
      object.kind === 'CustomResourceDefinition' &&
      (!kinds || kinds.includes((object.spec as { names: { kind: string } }).names.kind)),
  );
  for (const crd of crds) await applyObject(client, crd);
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata.name} established`, async () => {
      const current = await getObject<
        KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
      >(client, 'apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd.metadata.name);
      return current?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
  }
};

/** A name no other test uses. */
export const uniqueName = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

/** A child process whose stdout lines are collected. */
export interface ChildHandle {
  child: import('node:child_process').ChildProcess;
  lines: string[];
  /** The last stderr lines (logs), for failure messages and log-derived facts. */
  errorLines: string[];
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

const children = new Set<ChildHandle>();

/** Runs a TypeScript file as a real child process (node + tsx), collecting its stdout lines. */
export const spawnTypeScript = (
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildHandle => spawnChild(process.execPath, ['--import', 'tsx', file, ...args], env);

/** Runs `bin/contour` (the compiled CLI when it is current) as a real child process. */
export const spawnContour = (args: string[], env: NodeJS.ProcessEnv = process.env): ChildHandle =>
  spawnChild(contourBin, args, env);

const spawnChild = (command: string, args: string[], env: NodeJS.ProcessEnv): ChildHandle => {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle: ChildHandle = {
    child,
    lines: [],
    errorLines: [],
    exited: new Promise((resolveExit) => child.on('exit', (code) => resolveExit(code))),
  };
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    handle.lines.push(...parts);
  });
  // Keep stderr drained and its tail at hand (echoed with KUBE_TEST_VERBOSE=1).
  let bufferedError = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (process.env.KUBE_TEST_VERBOSE) process.stderr.write(chunk);
    bufferedError += chunk.toString('utf8');
    const parts = bufferedError.split('\n');
    bufferedError = parts.pop() ?? '';
    handle.errorLines.push(...parts);
    if (handle.errorLines.length > 400) handle.errorLines.splice(0, handle.errorLines.length - 200);
  });
  children.add(handle);
  void handle.exited.then(() => children.delete(handle));
  return handle;
};

/** Kills every child process still running (SIGKILL) and waits for them; for after() hooks. */
export const killAllChildren = async (): Promise<void> => {
  const running = [...children];
  for (const handle of running) handle.child.kill('SIGKILL');
  await Promise.all(running.map((handle) => handle.exited));
};

/** What /readyz answered. */
export interface ReadyzAnswer {
  status: number;
  body: {
    phase?: string;
    config?: string;
    leader?: boolean;
    sources?: Record<string, string>;
    snapshot?: { version: string; hash: string };
    notes?: string[];
    rejected?: string[];
  };
}

/** A `contour serve` replica running as a real child process. */
export interface Replica {
  identity: string;
  handle: ChildHandle;
  healthPort: number;
  /** GET /readyz; status 0 when nothing answers. */
  readyz(): Promise<ReadyzAnswer>;
  /** Sends a signal and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface ReplicaOptions {
  identity: string;
  kubeconfig: string;
  leaseNamespace: string;
  /** Extra `contour serve` flags. */
  args?: string[];
}

/** Starts `bin/contour serve` in Kubernetes mode with short leader-election timings. */
export const startReplica = async (options: ReplicaOptions): Promise<Replica> => {
  const args = [
    'serve',
    '--kubeconfig',
    options.kubeconfig,
    '--xds-address',
    '127.0.0.1',
    '--xds-port',
    '0',
    '--health-address',
    '127.0.0.1',
    // Port 0: the replica logs the port it got (no race between picking and binding a port).
    '--health-port',
    '0',
    '--debug-http-port',
    '0',
    '--log-format',
    'json',
    '--leader-election-resource-namespace',
    options.leaseNamespace,
    '--envoy-service-namespace',
    options.leaseNamespace,
    '--leader-election-lease-duration',
    '3s',
    '--leader-election-renew-deadline',
    '2s',
    '--leader-election-retry-period',
    '500ms',
    '--holdoff-delay',
    '20ms',
    '--holdoff-max-delay',
    '100ms',
    ...(options.args ?? []),
  ];
  const handle = spawnContour(args, {
    ...process.env,
    POD_NAME: options.identity,
  });
  const healthPort = await eventually(
    `${options.identity} health port in its logs`,
    () => {
      // An exited replica will never listen: stop polling (reported below).
      if (handle.child.exitCode !== null) return -1;
      for (const line of handle.errorLines) {
        if (!line.includes('HTTP server listening')) continue;
        const entry = JSON.parse(line) as { server?: string; port?: number };
        if (entry.server === 'health' && entry.port) return entry.port;
      }
      return undefined;
    },
    120_000,
    100,
  );
  if (healthPort === -1) {
    const logs = handle.errorLines.slice(-8).join('\n');
    throw new Error(`replica ${options.identity} exited (${handle.child.exitCode}): ${logs}`);
  }
  const readyz = async (): Promise<ReadyzAnswer> => {
    try {
      const response = await fetch(`http://127.0.0.1:${healthPort}/readyz`, {
        signal: AbortSignal.timeout(5000),
      });
      return { status: response.status, body: (await response.json()) as ReadyzAnswer['body'] };
    } catch {
      return { status: 0, body: {} };
    }
  };
  return {
    identity: options.identity,
    handle,
    healthPort,
    readyz,
    kill: async (signal) => {
      if (handle.child.exitCode === null && handle.child.signalCode === null) handle.child.kill(signal);
      return handle.exited;
    },
  };
};

/** Waits until the replica answers /readyz with 200 and returns the answer. */
export const waitReady = async (
  replica: Pick<Replica, 'identity' | 'readyz'> & { handle?: ChildHandle },
  timeoutMs = 90_000,
): Promise<ReadyzAnswer> => {
  let last: ReadyzAnswer | undefined;
  try {
    return await eventually(
      `${replica.identity} ready`,
      async () => {
        last = await replica.readyz();
        return last.status === 200 ? last : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (error) {
    const logs = replica.handle?.errorLines.slice(-15).join('\n') ?? '';
    throw new Error(`${(error as Error).message}; last /readyz: ${JSON.stringify(last)}\n${logs}`);
  }
};

/** A `contour serve` running inside the test process (same code path as the CLI, minus the process). */
export interface InProcessReplica {
  identity: string;
  readyz(): Promise<ReadyzAnswer>;
  stop(): Promise<void>;
}

/**
 * Starts `contour serve` in this process. Used where many replicas are started in a row: a child
 * process pays several seconds of TypeScript loading each time, which would dominate the runtime.
 */
export const startInProcessReplica = async (
  options: ReplicaOptions & { watchNamespaces?: string },
): Promise<InProcessReplica> => {
  const { parseServeConfig } = await import('../../src/cli/config.js');
  const { startServe } = await import('../../src/cli/serve-runner.js');
  const { silentLogger } = await import('../../src/util/logger.js');
  const { loopbackServeFlags } = await import('../serve-flags.js');
  const config = parseServeConfig(
    {
      kubeconfig: options.kubeconfig,
      incluster: false,
      ...loopbackServeFlags,
      insecure: false,
      holdoffDelay: '20ms',
      holdoffMaxDelay: '100ms',
      watchNamespaces: options.watchNamespaces,
      leaderElectionResourceNamespace: options.leaseNamespace,
      envoyServiceNamespace: options.leaseNamespace,
      leaderElectionLeaseDuration: '3s',
      leaderElectionRenewDeadline: '2s',
      leaderElectionRetryPeriod: '500ms',
      logFormat: 'json',
    },
    { POD_NAME: options.identity },
  );
  const running = await startServe(config, silentLogger());
  running.serving.catch(() => undefined);
  return {
    identity: options.identity,
    readyz: async () => {
      const response = await fetch(`http://127.0.0.1:${running.health.port}/readyz`);
      return { status: response.status, body: (await response.json()) as ReadyzAnswer['body'] };
    },
    stop: () => running.stop(),
  };
};

/** Contour's own ClusterRole/Role and their bindings (v1.33 line), as published. */
export const contourRbacFiles = ['02-role-contour.yaml', '02-rbac.yaml'].map((file) =>
  resolve(repoRoot, 'test/fixtures/contour', file),
);

/**
 * Creates the ServiceAccount (a 1.20 API server alone has no controller-manager to do it), asks the
 * TokenRequest API for a token, and writes a kubeconfig that authenticates as that account.
 */
export const serviceAccountKubeconfig = async (
  cluster: Pick<TestCluster, 'client' | 'kubeconfig'>,
  namespace: string,
  name: string,
): Promise<string> => {
  await createNamespace(cluster.client, namespace);
  await applyObject(cluster.client, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace },
  });
  const answer = await cluster.client.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } },
  });
  const config = parseDocument(readFileSync(cluster.kubeconfig, 'utf8')).toJS() as {
    users: { name: string; user: Record<string, unknown> }[];
  };
  for (const user of config.users) user.user = { token: answer.status.token };
  const file = `${cluster.kubeconfig}-${namespace}-${name}`;
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
};

/** An HTTPProxy as read back from the API server, with the status the leader wrote. */
export type ProxyView = KubeObject & { status?: { currentStatus?: string; conditions?: StoredCondition[] } };

/** The leader-election Lease as read back from the API server. */
export interface LeaseView extends KubeObject {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number };
}

/** The Valid condition of an HTTPProxy's stored status, if any. */
export const validCondition = (object: ProxyView | undefined): StoredCondition | undefined =>
  object?.status?.conditions?.find((condition) => condition.type === 'Valid');
