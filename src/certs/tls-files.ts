// A CA bundle, certificate and key read from files, checked to fit together, and watched for rotation
// (Kubernetes updates a mounted Secret by swapping a symlink in its directory, so directories are watched,
// with a slow poll as a safety net for file systems without change events).
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { parsePemBlocks } from '../util/pem.js';

/** Paths of the three PEM files of one side of an mTLS connection. */
export interface TlsFilePaths {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A server's files: certificate and key, and a CA bundle only when client certificates are verified. */
export type ServerTlsFilePaths = Omit<TlsFilePaths, 'caFile'> & { caFile?: string };

/** The files' contents, known to be usable together (`ca` absent when no CA file was given). */
export interface TlsMaterial {
  ca?: Buffer;
  cert: Buffer;
  key: Buffer;
  /** Hash of all three, to tell a real change from a touch. */
  hash: string;
}

export type TlsLoadResult = { ok: true; material: TlsMaterial } | { ok: false; error: string };

// The operator's own files: no limits beyond the scan being linear. Throws on a block without END.
const pemCertificates = (pem: string): string[] => {
  const parsed = parsePemBlocks(pem, { maxPemBytes: Infinity, maxPemBlocks: Infinity });
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.blocks.filter((block) => block.type === 'CERTIFICATE').map((block) => block.text);
};

/** Reads and checks the files: all readable, PEM that parses, the key belongs to the certificate. */
export const loadTlsMaterial = (paths: ServerTlsFilePaths): TlsLoadResult => {
  const read = (path: string, what: string): Buffer | string => {
    try {
      const content = readFileSync(path);
      return content.length === 0 ? `${what} file "${path}" is empty` : content;
    } catch (error) {
      return `cannot read ${what} file "${path}": ${(error as Error).message}`;
    }
  };
  const ca = paths.caFile === undefined ? undefined : read(paths.caFile, 'CA');
  const cert = read(paths.certFile, 'certificate');
  const key = read(paths.keyFile, 'key');
  for (const value of [ca, cert, key]) if (typeof value === 'string') return { ok: false, error: value };
  const [caBytes, certBytes, keyBytes] = [ca, cert, key] as [Buffer | undefined, Buffer, Buffer];
  if (caBytes)
    try {
      const caCertificates = pemCertificates(caBytes.toString('utf8'));
      if (caCertificates.length === 0)
        return { ok: false, error: `CA file "${paths.caFile}" holds no PEM certificate` };
      for (const pem of caCertificates) new X509Certificate(pem);
    } catch (error) {
      return {
        ok: false,
        error: `CA file "${paths.caFile}" is not a valid certificate: ${(error as Error).message}`,
      };
    }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certBytes);
  } catch (error) {
    return {
      ok: false,
      error: `certificate file "${paths.certFile}" is not a valid certificate: ${(error as Error).message}`,
    };
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(keyBytes))) {
      return {
        ok: false,
        error: `key file "${paths.keyFile}" does not belong to certificate "${paths.certFile}"`,
      };
    }
  } catch (error) {
    return {
      ok: false,
      error: `key file "${paths.keyFile}" is not a valid private key: ${(error as Error).message}`,
    };
  }
  const hash = createHash('sha256')
    .update(caBytes ?? '')
    .update(certBytes)
    .update(keyBytes)
    .digest('hex');
  return { ok: true, material: { ca: caBytes, cert: certBytes, key: keyBytes, hash } };
};

/** What a reload found. `changed` is false when the files still hold the same material. */
export type TlsReloadOutcome =
  { ok: true; changed: boolean; material: TlsMaterial } | { ok: false; error: string };

export interface TlsFileWatcher {
  /** The last good material. */
  current(): TlsMaterial;
  /** Starts watching (idempotent). */
  start(): void;
  /** Stops watching and releases every timer and watch handle. */
  stop(): void;
  /** Re-reads the files now. */
  reload(): TlsReloadOutcome;
  /** Called after each reload triggered by a change (and by reload()). */
  onReload(listener: (outcome: TlsReloadOutcome) => void): () => void;
}

export interface TlsFileWatcherOptions {
  /** Safety-net poll period (default 10 s). */
  pollIntervalMs?: number;
  /** Quiet time after a change event before reading (writers touch several files). */
  debounceMs?: number;
}

/** Watches already-loaded TLS files and reports each successful or failed reload; keeps the last good material. */
export const watchTlsFiles = (
  paths: ServerTlsFilePaths,
  initial: TlsMaterial,
  options: TlsFileWatcherOptions = {},
): TlsFileWatcher => {
  const pollIntervalMs = options.pollIntervalMs ?? 10_000;
  const debounceMs = options.debounceMs ?? 50;
  let material = initial;
  const listeners = new Set<(outcome: TlsReloadOutcome) => void>();
  let watchers: FSWatcher[] = [];
  let poll: NodeJS.Timeout | undefined;
  let pending: NodeJS.Timeout | undefined;
  let lastError: string | undefined;

  // Reads the files; tells listeners about changes and new errors (or everything, when asked explicitly).
  const check = (reportEverything: boolean): TlsReloadOutcome => {
    const loaded = loadTlsMaterial(paths);
    let outcome: TlsReloadOutcome;
    if (!loaded.ok) {
      const repeated = loaded.error === lastError;
      lastError = loaded.error;
      outcome = loaded;
      if (repeated && !reportEverything) return outcome;
    } else {
      lastError = undefined;
      const changed = loaded.material.hash !== material.hash;
      if (changed) material = loaded.material;
      outcome = { ok: true, changed, material };
      if (!changed && !reportEverything) return outcome;
    }
    for (const listener of [...listeners]) listener(outcome);
    return outcome;
  };
  const pollOnce = () => void check(false);

  const schedule = () => {
    if (pending) clearTimeout(pending);
    pending = setTimeout(() => {
      pending = undefined;
      pollOnce();
    }, debounceMs);
  };

  return {
    current: () => material,
    reload: () => check(true),
    onReload: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    start: () => {
      if (poll) return;
      const files = [paths.caFile, paths.certFile, paths.keyFile].filter((path) => path !== undefined);
      for (const directory of [...new Set(files.map((path) => dirname(path)))].sort()) {
        try {
          // Not persistent: watching certificates alone must not keep a process alive.
          const watcher = watch(directory, { persistent: false }, schedule);
          watcher.on('error', () => watcher.close());
          watchers.push(watcher);
        } catch {
          // The poll below still notices changes.
        }
      }
      poll = setInterval(pollOnce, pollIntervalMs);
      poll.unref();
    },
    stop: () => {
      for (const watcher of watchers) watcher.close();
      watchers = [];
      if (poll) clearInterval(poll);
      if (pending) clearTimeout(pending);
      poll = undefined;
      pending = undefined;
    },
  };
};
