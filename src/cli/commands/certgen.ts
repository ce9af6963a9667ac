// `contour certgen [outputdir]`: issues the CA, contour and envoy certificates for xDS mTLS and writes them
// as PEM files, Secret YAML files and/or Secrets in the API server.
import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  generateCertificates,
  defaultCertificateLifetimeDays,
  defaultNamespace,
} from '../../certs/generate.js';
import { certificateSecrets, secretsFormats, type SecretsFormat } from '../../certs/secrets.js';
import { writeCertificatesPem, writeSecretsYaml } from '../../certs/output.js';
import type { CertificateSecret } from '../../certs/secrets.js';
import {
  createKubeClient,
  isApiStatus,
  loadKubeConfig,
  type KubeClient,
} from '../../sources/kubernetes/client.js';

/** Parsed `contour certgen` flags. */
export interface CertgenFlags {
  certificateLifetime: number;
  incluster?: boolean;
  kube?: boolean;
  kubeconfig?: string;
  namespace: string;
  outputDir?: string;
  overwrite?: boolean;
  pem?: boolean;
  secretsFormat: string;
  secretsNameSuffix: string;
  yaml?: boolean;
}

const parseDays = (value: string): number => {
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1) {
    throw new InvalidArgumentError('--certificate-lifetime must be a whole number of days, at least 1.');
  }
  return days;
};

/** Issues and writes the certificates as the flags say; returns an error message or undefined. */
export const runCertgen = async (
  positionalDir: string | undefined,
  flags: CertgenFlags,
  log: (line: string) => void,
): Promise<string | undefined> => {
  if (!flags.pem && !flags.yaml && !flags.kube)
    return 'nothing to do: choose one or more of --pem, --yaml, --kube';
  if (!(secretsFormats as string[]).includes(flags.secretsFormat)) {
    return `unsupported Secrets format "${flags.secretsFormat}": must be one of ${secretsFormats.join(', ')}`;
  }
  const outputDir = flags.outputDir ?? positionalDir ?? 'certs';
  const certificates = generateCertificates({
    lifetimeDays: flags.certificateLifetime,
    namespace: flags.namespace,
  });
  const overwrite = Boolean(flags.overwrite);
  const format = flags.secretsFormat as SecretsFormat;
  try {
    const needSecrets = Boolean(flags.yaml || flags.kube);
    const built = needSecrets
      ? certificateSecrets(certificates, {
          namespace: flags.namespace,
          nameSuffix: flags.secretsNameSuffix,
          format,
        })
      : { ok: true as const, secrets: [] };
    if (!built.ok) return built.errors.join('; ');
    if (flags.pem) {
      log(`Writing certificates to PEM files in ${outputDir}/`);
      writeCertificatesPem(outputDir, certificates, overwrite, log);
    }
    if (flags.yaml) {
      log(`Writing "${format}" format Secrets to YAML files in ${outputDir}/`);
      writeSecretsYaml(outputDir, built.secrets, overwrite, log);
    }
    if (flags.kube) {
      log(`Writing "${format}" format Secrets to namespace "${flags.namespace}"`);
      const client = createKubeClient(
        loadKubeConfig({ kubeconfig: flags.kubeconfig, inCluster: flags.incluster }),
      );
      await writeSecretsKube(client, built.secrets, overwrite, log);
    }
  } catch (error) {
    return `failed to output certificates: ${(error as Error).message}`;
  }
  return undefined;
};

/** Creates the Secrets in the API server; an existing Secret is kept unless overwrite, then replaced. */
const writeSecretsKube = async (
  client: KubeClient,
  secrets: CertificateSecret[],
  overwrite: boolean,
  log: (line: string) => void,
): Promise<void> => {
  for (const secret of secrets) {
    const collection = `/api/v1/namespaces/${encodeURIComponent(secret.metadata.namespace)}/secrets`;
    try {
      await client.request({ method: 'POST', path: collection, body: secret });
    } catch (error) {
      if (!isApiStatus(error, 409)) throw error;
      if (!overwrite) {
        log(`secret/${secret.metadata.name} already exists`);
        continue;
      }
      await client.request({
        method: 'PUT',
        path: `${collection}/${encodeURIComponent(secret.metadata.name)}`,
        body: secret,
      });
    }
    log(`secret/${secret.metadata.name} updated`);
  }
};

/** Registers `contour certgen`. */
export const registerCertgen = (program: Command): void => {
  program
    .command('certgen')
    .description('Generate new TLS certs for bootstrapping gRPC over TLS.')
    .argument('[outputdir]', 'Directory to write output files into (default "certs").')
    .option(
      '--certificate-lifetime <days>',
      'Generated certificate lifetime (in days).',
      parseDays,
      defaultCertificateLifetimeDays,
    )
    .option('--incluster', 'Use in cluster configuration.')
    .option('--kube', 'Apply the generated certs directly to the current Kubernetes cluster.')
    .option('--kubeconfig <path>', 'Path to kubeconfig (if not in running inside a cluster).')
    .addOption(
      new Option('--namespace <namespace>', 'Kubernetes namespace, used for Kube objects.')
        .env('CONTOUR_NAMESPACE')
        .default(defaultNamespace),
    )
    .option('--output-dir <dir>', 'Directory to write output files into (same as the outputdir argument).')
    .option('--overwrite', 'Overwrite existing files or Secrets.')
    .option('--pem', 'Render the generated certs as individual PEM files to the current directory.')
    .option('--secrets-format <format>', 'Specify how to format the generated Kubernetes Secrets.', 'legacy')
    .option(
      '--secrets-name-suffix <suffix>',
      "Specify a suffix to be appended to the generated Kubernetes secrets' names.",
      '',
    )
    .option(
      '--yaml',
      'Render the generated certs as Kubernetes Secrets in YAML form to the current directory.',
    )
    .action(async (outputDir: string | undefined, flags: CertgenFlags) => {
      const error = await runCertgen(outputDir, flags, (line) => process.stdout.write(line + '\n'));
      if (error) {
        process.stderr.write(`contour certgen: ${error}\n`);
        process.exitCode = 1;
      }
    });
};
