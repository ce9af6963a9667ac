// Where `contour certgen` puts what it issued: PEM files and Secret YAML files (the API server: `cli/commands/certgen.ts`).
import { closeSync, mkdirSync, openSync, rmSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { GeneratedCertificates } from './generate.js';
import type { CertificateSecret } from './secrets.js';

/** PEM file names, as Contour writes them. */
export const pemFileNames = {
  caCertificate: 'cacert.pem',
  contourCertificate: 'contourcert.pem',
  contourPrivateKey: 'contourkey.pem',
  envoyCertificate: 'envoycert.pem',
  envoyPrivateKey: 'envoykey.pem',
} as const;

/** Writes one file readable only by its owner; refuses to replace an existing file unless overwrite. */
const writeNewFile = (
  path: string,
  content: string,
  overwrite: boolean,
  log: (line: string) => void,
): void => {
  if (overwrite) rmSync(path, { force: true }); // so the mode is reset too
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | (overwrite ? 0 : constants.O_EXCL);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`can't create file ${path}: it already exists (use --overwrite)`);
    throw new Error(`can't create file ${path}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, content);
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true }); // no half-written certificate left behind
    throw new Error(`couldn't write ${path}: ${(error as Error).message}`);
  }
  closeSync(fd);
  log(`${path} created`);
};

/** Writes the five PEM files into a directory (created if needed). */
export const writeCertificatesPem = (
  outputDir: string,
  certificates: GeneratedCertificates,
  overwrite: boolean,
  log: (line: string) => void,
): void => {
  mkdirSync(outputDir, { recursive: true, mode: 0o755 });
  for (const [field, fileName] of Object.entries(pemFileNames) as Array<
    [keyof typeof pemFileNames, string]
  >) {
    writeNewFile(join(outputDir, fileName), certificates[field], overwrite, log);
  }
};

/** Writes each Secret to `<outputDir>/<name>.yaml`. */
export const writeSecretsYaml = (
  outputDir: string,
  secrets: CertificateSecret[],
  overwrite: boolean,
  log: (line: string) => void,
): void => {
  mkdirSync(outputDir, { recursive: true, mode: 0o755 });
  for (const secret of secrets) {
    writeNewFile(join(outputDir, `${secret.metadata.name}.yaml`), stringify(secret), overwrite, log);
  }
};
