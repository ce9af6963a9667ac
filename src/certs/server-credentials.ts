// gRPC server credentials for the xDS server: TLS 1.3, client certificates required and verified against
// the CA file, and the three files re-read when they change so rotated certificates apply to new
// connections without a restart (open streams keep the connection they have).
import * as grpc from '@grpc/grpc-js';
import type { SecureServerOptions } from 'node:http2';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from '../util/logger.js';
import {
  loadTlsMaterial,
  watchTlsFiles,
  type TlsFilePaths,
  type TlsFileWatcher,
  type TlsFileWatcherOptions,
  type TlsMaterial,
} from './tls-files.js';

export type { TlsFilePaths } from './tls-files.js';

const contextOptions = (material: TlsMaterial): SecureContextOptions => ({
  ca: material.ca,
  cert: material.cert,
  key: material.key,
});

// grpc-js hands each bound http2 server the latest context options through watchers and calls
// setSecureContext on it when they change; subclassing is the only way to supply our own options
// (TLS 1.3 minimum, as Contour) and to watch files only while some server uses the credentials.
class ReloadingServerCredentials extends grpc.ServerCredentials {
  constructor(
    private readonly files: TlsFileWatcher,
    serverOptions: SecureServerOptions,
  ) {
    super(serverOptions, contextOptions(files.current()));
    files.onReload((outcome) => {
      if (outcome.ok && outcome.changed) this.updateSecureContextOptions(contextOptions(outcome.material));
    });
  }

  override _addWatcher(watcher: Parameters<grpc.ServerCredentials['_addWatcher']>[0]): void {
    super._addWatcher(watcher);
    this.files.start();
  }

  override _removeWatcher(watcher: Parameters<grpc.ServerCredentials['_removeWatcher']>[0]): void {
    super._removeWatcher(watcher);
    if (this.getWatcherCount() === 0) this.files.stop();
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export interface XdsServerCredentialsOptions extends TlsFileWatcherOptions {
  logger?: Logger;
  /** Told about every reload (tests wait on it; serve may count it in a metric). */
  onReload?: (outcome: { ok: boolean; changed: boolean; error?: string }) => void;
}

export type XdsServerCredentialsResult =
  { ok: true; credentials: grpc.ServerCredentials; reload: () => void } | { ok: false; error: string };

/**
 * Creates mTLS server credentials from contour's CA, certificate and key files, re-read on change.
 * Fails (with a message for the user) when the files cannot be used now.
 */
export const createXdsServerCredentials = (
  paths: TlsFilePaths,
  options: XdsServerCredentialsOptions = {},
): XdsServerCredentialsResult => {
  const loaded = loadTlsMaterial(paths);
  if (!loaded.ok) return { ok: false, error: `failed to load certificate and key: ${loaded.error}` };
  const files = watchTlsFiles(paths, loaded.material, options);
  files.onReload((outcome) => {
    if (outcome.ok && outcome.changed)
      options.logger?.info({ certFile: paths.certFile }, 'reloaded xDS TLS certificates');
    if (!outcome.ok) {
      options.logger?.warn(
        { error: outcome.error },
        'xDS TLS files unusable; keeping the previous certificates',
      );
    }
    options.onReload?.(
      outcome.ok
        ? { ok: true, changed: outcome.changed }
        : { ok: false, changed: false, error: outcome.error },
    );
  });
  const credentials = new ReloadingServerCredentials(files, {
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
  });
  return { ok: true, credentials, reload: () => void files.reload() };
};
