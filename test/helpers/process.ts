// Running `bin/contour` as a real child process in tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository's `bin/contour`. */
export const contourBin = fileURLToPath(new URL('../../bin/contour', import.meta.url));

/** A free TCP port on 127.0.0.1 (bound and released; good enough for tests). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export interface ContourProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Sends a signal and waits for exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Who the process runs as (a root test run can drop to an unprivileged user). */
export interface RunAs {
  uid?: number;
  gid?: number;
}

/** Starts `bin/contour <args>`. */
export const startContour = (
  args: string[],
  env: NodeJS.ProcessEnv = {},
  runAs: RunAs = {},
): ContourProcess => {
  const child = spawn(contourBin, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...runAs,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return {
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
};

/** `serve --manifests DIR` on loopback with the given ports (0: any free one) and builds without holdoff. */
export const standaloneServeArgs = (
  dir: string,
  ports: { health: number; debug: number; xds: number },
  extra: string[] = [],
): string[] => [
  'serve',
  '--manifests',
  dir,
  '--health-address',
  '127.0.0.1',
  '--health-port',
  String(ports.health),
  '--debug-http-port',
  String(ports.debug),
  '--xds-port',
  String(ports.xds),
  '--holdoff-delay',
  '0s',
  '--holdoff-max-delay',
  '0s',
  ...extra,
];

/** GETs a JSON endpoint; returns status and parsed body (undefined when not JSON or unreachable). */
export const getJson = async (url: string): Promise<{ status: number; body: unknown } | undefined> => {
  try {
    const response = await fetch(url);
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch {
      return { status: response.status, body: text };
    }
  } catch {
    return undefined;
  }
};

/** Starts `bin/contour serve --manifests dir` on free loopback ports, holdoff 0; returns the process and ports. */
export const serveManifests = async (dir: string, extra: string[] = [], runAs: RunAs = {}) => {
  const [health, debug, xds] = await Promise.all([freePort(), freePort(), freePort()]);
  const process = startContour(standaloneServeArgs(dir, { health, debug, xds }, extra), {}, runAs);
  return { process, health, debug, xds };
};
