// `contour serve --config-path` as a real process over one golden scenario's manifests, and a wait for what it
// publishes on /debug/xds: the shared set-up of the tests that a config file's settings reach the build.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, getJson, standaloneServeArgs, startContour } from './process.js';
import { waitFor } from './wait.js';

// Start-up under a loaded 2-core CI machine can take tens of seconds; this bounds the wait, it asserts nothing.
const startTimeout = 90_000;

export interface ServeWithConfig {
  /** Polls /debug/xds until `ready` accepts it, and returns it. */
  debugXds: <T>(what: string, ready: (xds: T) => boolean) => Promise<T>;
  stop: () => Promise<void>;
}

/** Starts `contour serve --manifests <golden scenario's input.yaml> --config-path <config>`. */
export const serveWithConfig = async (scenario: string, config: string): Promise<ServeWithConfig> => {
  const dir = await mkdtemp(join(tmpdir(), `contour-serve-${scenario}-`));
  const manifestDir = join(dir, 'manifests');
  await writeFile(join(dir, 'contour.yaml'), config);
  await mkdir(manifestDir);
  const manifests = fileURLToPath(new URL(`../golden/${scenario}/input.yaml`, import.meta.url));
  await copyFile(manifests, join(manifestDir, 'input.yaml'));
  const [health, xds] = await Promise.all([freePort(), freePort()]);
  const debug = await freePort();
  const running = startContour(
    standaloneServeArgs(manifestDir, { health, debug, xds }, ['--config-path', join(dir, 'contour.yaml')]),
  );
  return {
    debugXds: <T>(what: string, ready: (xds: T) => boolean) =>
      waitFor(
        what,
        async () => {
          const body = (await getJson(`http://127.0.0.1:${debug}/debug/xds`))?.body as T | undefined;
          return body !== undefined && ready(body) ? body : undefined;
        },
        startTimeout,
      ),
    stop: async () => {
      await running.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
};
