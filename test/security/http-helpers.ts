// contour serve in-process on loopback, and raw HTTP requests whose Host and method the test chooses.
import { request as httpRequest } from 'node:http';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseServeConfig, type RawServeOptions } from '../../src/cli/config.js';
import { startServe, type RunningServe } from '../../src/cli/serve-runner.js';
import type { Logger } from '../../src/util/logger.js';
import { silentLogger } from '../../src/util/logger.js';
import { loopbackServeFlags } from '../../scripts/serve-flags.js';

const quickstart = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));

/** The raw flags of a loopback `contour serve --manifests DIR` on free ports. */
export const loopbackFlags = (manifests: string, extra: RawServeOptions = {}): RawServeOptions => ({
  manifests,
  ...loopbackServeFlags,
  holdoffDelay: '0s',
  holdoffMaxDelay: '0s',
  disableLeaderElection: true,
  ...extra,
});

/** A serving copy of the quickstart (it holds a TLS Secret), with `extra` flags. */
export const serveQuickstart = async (
  extra: RawServeOptions = {},
  logger: Logger = silentLogger(),
): Promise<{ running: RunningServe; stop: () => Promise<void> }> => {
  const dir = await mkdtemp(join(tmpdir(), 'contour-exposure-'));
  await cp(quickstart, dir, { recursive: true });
  const running = await startServe(parseServeConfig(loopbackFlags(dir, extra), {}), logger);
  await running.serving;
  return {
    running,
    stop: async () => {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
};

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request to 127.0.0.1:port with the given method and Host header. */
export const rawRequest = (
  port: number,
  path: string,
  options: { method?: string; host?: string } = {},
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${port}` },
        agent: false,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
