// A golden scenario's envoy.json is what a real gRPC client receives over xDS from `contour serve`:
// every resource of every type, in the bytes the server sends, decoded to the same JSON.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toJson, type JsonObject, type Message } from '@bufbuild/protobuf';
import { envoyRegistry } from '../../src/envoy/registry.js';
import { typeUrls, type ResourceType } from '../../src/envoy/resources.js';
import {
  freePort,
  getJson,
  standaloneServeArgs,
  startContour,
  type ContourProcess,
} from '../helpers/process.js';
import { waitFor } from '../helpers/wait.js';
import { goldenDirectory, readExpected } from '../golden/harness.js';
import { connect, openSotw, sotwResources } from '../xds/client.js';

const scenario = 'ingress-tls';

interface GoldenResource {
  name: string;
  resource: JsonObject;
}

const listOfType: Record<ResourceType, string> = {
  secret: 'secrets',
  cluster: 'clusters',
  endpoint: 'endpoints',
  route: 'routes',
  listener: 'listeners',
  runtime: 'runtimes',
};

const jsonOf = (message: Message): JsonObject => ({
  '@type': `type.googleapis.com/${message.$typeName}`,
  ...(toJson(envoyRegistry.getMessage(message.$typeName)!, message, {
    registry: envoyRegistry,
  }) as JsonObject),
});

describe(`contour serve sends what ${scenario}/envoy.json holds`, () => {
  let dir: string;
  let running: ContourProcess;
  let xdsPort: number;
  let configFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contour-golden-xds-'));
    await copyFile(join(goldenDirectory, scenario, 'input.yaml'), join(dir, 'input.yaml'));
    const [health, debug] = await Promise.all([freePort(), freePort()]);
    xdsPort = await freePort();
    // Golden scenarios translate with Envoy's idle timeout; Contour's config file defaults it to 60s, and
    // an empty value asks for Envoy's (as in Contour). Kept beside, not inside, the manifests directory.
    configFile = `${dir}.contour.yaml`;
    await writeFile(configFile, 'timeouts:\n  connection-idle-timeout: ""\n');
    running = startContour(
      standaloneServeArgs(dir, { health, debug, xds: xdsPort }, ['--config-path', configFile]),
    );
    await waitFor(
      'readyz 200',
      async () => (await getJson(`http://127.0.0.1:${health}/readyz`))?.status === 200,
      90_000,
    );
  });
  after(async () => {
    await running.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    await rm(configFile, { force: true });
  });

  it('every resource of every type, on one ADS stream', async () => {
    const golden = JSON.parse(readExpected(scenario, 'envoy.json')!) as Record<string, GoldenResource[]>;
    const sorted = (items: JsonObject[]): JsonObject[] =>
      [...items].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const types = ['runtime', 'secret', 'cluster', 'endpoint', 'route', 'listener'] as const;
    const wanted = new Map<string, JsonObject[]>(
      types.map((type) => [typeUrls[type], sorted(golden[listOfType[type]].map((entry) => entry.resource))]),
    );
    for (const [typeUrl, resources] of wanted) assert.ok(resources.length > 0, `${scenario} has ${typeUrl}`);
    const client = connect(xdsPort);
    const stream = openSotw(client);
    // What the client holds per type: SotW responses of named types carry only what changed.
    const held = new Map<string, Map<string, JsonObject>>();
    try {
      const isComplete = (typeUrl: string): boolean => {
        const got = held.get(typeUrl);
        return (
          got !== undefined &&
          JSON.stringify(sorted([...got.values()])) === JSON.stringify(wanted.get(typeUrl))
        );
      };
      // Every type subscribed in the first requests, before anything is ACKed, as Envoy does once it
      // knows the names (LDS and CDS wildcard; RTDS, RDS, EDS and SDS by name). Make-before-break holds routes
      // and listeners back until what they use is ACKed, so this needs the server to send them then.
      const namesOf = (type: (typeof types)[number]): string[] =>
        type === 'cluster' || type === 'listener' ? [] : golden[listOfType[type]].map((entry) => entry.name);
      for (const type of types) {
        stream.send({ node: { id: 'golden' }, typeUrl: typeUrls[type], resourceNames: namesOf(type) });
      }
      while (![...wanted.keys()].every(isComplete)) {
        // A type that never completes fails here, naming what did arrive, not at the runner's timeout.
        const response = await Promise.race([
          stream.next(),
          new Promise<never>((_, reject) =>
            setTimeout(() => {
              const summary = [...held].map(
                ([typeUrl, got]) => `${typeUrl}: ${JSON.stringify([...got.keys()])}`,
              );
              reject(new Error(`never complete; held ${summary.join('; ')}`));
            }, 30_000).unref(),
          ),
        ]);
        const got = held.get(response.typeUrl) ?? new Map<string, JsonObject>();
        const wildcard = response.typeUrl === typeUrls.cluster || response.typeUrl === typeUrls.listener;
        if (wildcard) got.clear();
        for (const message of sotwResources(response)) {
          const fields = message as unknown as { name?: string; clusterName?: string };
          got.set(fields.clusterName ?? fields.name ?? '', jsonOf(message));
        }
        held.set(response.typeUrl, got);
        // An ACK repeats the subscription: a state-of-the-world request's resource_names replace it.
        const type = types.find((candidate) => typeUrls[candidate] === response.typeUrl)!;
        stream.send({
          typeUrl: response.typeUrl,
          versionInfo: response.versionInfo,
          responseNonce: response.nonce,
          resourceNames: namesOf(type),
        });
      }
      for (const [typeUrl, resources] of wanted) {
        assert.deepEqual(sorted([...held.get(typeUrl)!.values()]), resources, typeUrl);
      }
    } finally {
      stream.close();
      client.close();
    }
  });
});
