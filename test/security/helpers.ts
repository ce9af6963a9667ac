// Shared pieces of the security tests: certificate sets on disk and "what did this client get" probes.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { generateCertificates, type GeneratedCertificates } from '../../src/certs/generate.js';
import type { TlsFilePaths } from '../../src/certs/tls-files.js';
import { xdsChannelCredentials, type XdsChannel } from '../../src/xds/client/credentials.js';
import { watchDiscovery, type DiscoveryEvent } from '../../src/xds/client/discovery-stream.js';
import type { ResourceType } from '../../src/envoy/resources.js';

/** A CA with its contour and envoy certificates, issued once per test file (RSA is slow on busy machines). */
export const issue = (): GeneratedCertificates => generateCertificates({ namespace: 'projectcontour' });

/** Writes files atomically (write aside, rename over), as a Secret volume update appears to a reader. */
export const writeAtomically = (path: string, content: string): void => {
  const aside = `${path}.tmp`;
  writeFileSync(aside, content);
  renameSync(aside, path);
};

/** Writes the contour (server) side of a set into dir and returns the paths. */
export const writeServerFiles = (
  dir: string,
  set: GeneratedCertificates,
  key = set.contourPrivateKey,
): TlsFilePaths => {
  const paths = {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
  };
  writeAtomically(paths.caFile, set.caCertificate);
  writeAtomically(paths.certFile, set.contourCertificate);
  writeAtomically(paths.keyFile, key);
  return paths;
};

/** Writes the envoy (client) side of a set into dir and returns the paths. */
export const writeClientFiles = (dir: string, set: GeneratedCertificates): TlsFilePaths => {
  const paths = {
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'tls.crt'),
    keyFile: join(dir, 'tls.key'),
  };
  writeAtomically(paths.caFile, set.caCertificate);
  writeAtomically(paths.certFile, set.envoyCertificate);
  writeAtomically(paths.keyFile, set.envoyPrivateKey);
  return paths;
};

/** The first response of a CDS watch, or the status the stream ended with instead. */
export type Probe = { served: true; event: DiscoveryEvent } | { served: false; status: grpc.StatusObject };

/** Opens a watch with the given client files (undefined = plaintext) and reports what happened first. */
export const probe = (
  port: number,
  files: TlsFilePaths | undefined,
  type: ResourceType = 'cluster',
): Promise<Probe> => {
  const channel = xdsChannelCredentials(files ?? {});
  if (!channel.ok) throw new Error(channel.error);
  return probeChannel(port, channel.channel, type);
};

/** Like probe, with channel credentials built by the caller. */
export const probeChannel = async (
  port: number,
  channel: XdsChannel,
  type: ResourceType = 'cluster',
): Promise<Probe> => {
  let first: DiscoveryEvent | undefined;
  let resolveFirst: (event: DiscoveryEvent) => void = () => undefined;
  const gotFirst = new Promise<DiscoveryEvent>((resolve) => (resolveFirst = resolve));
  const watch = watchDiscovery(
    {
      target: `127.0.0.1:${port}`,
      channel,
      type,
      resourceNames: [],
      nodeId: 'security-test',
      ads: true,
      delta: false,
      nack: false,
    },
    (event) => {
      first ??= event;
      resolveFirst(event);
    },
  );
  const outcome = await Promise.race([
    gotFirst.then(() => 'served' as const),
    watch.ended.then(() => 'ended' as const),
  ]);
  watch.close();
  const status = await watch.ended;
  if (outcome === 'served' && first) return { served: true, event: first };
  return { served: false, status };
};
