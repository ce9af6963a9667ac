// `contour serve --contour-config-name NAME`: the ContourConfiguration read from the API server in the
// controller's namespace at start-up (as Contour does: a change needs a restart), and its Valid condition.
import {
  contourConfigurationApiVersion,
  contourConfigurationSpecSchema,
  type ContourConfiguration,
  type ContourConfigurationSpec,
} from '../apis/contourconfiguration.js';
import { isApiStatus, type KubeClient } from '../sources/kubernetes/client.js';
import { formatIssues } from './issues.js';
import { settingsFromSpec } from './settings.js';

/** Where a ContourConfiguration lives in the API. */
export const contourConfigurationPath = (namespace: string, name: string): string =>
  `/apis/${contourConfigurationApiVersion}/namespaces/${encodeURIComponent(namespace)}/contourconfigurations/${encodeURIComponent(name)}`;

/** A ContourConfiguration that was read and judged. */
export interface LoadedContourConfiguration {
  object: ContourConfiguration;
  /** The validated spec, or the reason it is not usable. */
  result: { ok: true; spec: ContourConfigurationSpec } | { ok: false; error: string };
}

/** Reads the named ContourConfiguration and validates it; rejects when it cannot be read. */
export const loadContourConfiguration = async (
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<LoadedContourConfiguration> => {
  let object: ContourConfiguration;
  try {
    object = await client.request<ContourConfiguration>({
      method: 'GET',
      path: contourConfigurationPath(namespace, name),
    });
  } catch (error) {
    if (isApiStatus(error, 404)) throw new Error(`ContourConfiguration ${namespace}/${name} not found`);
    throw new Error(`error getting ContourConfiguration ${namespace}/${name}: ${(error as Error).message}`);
  }
  const parsed = contourConfigurationSpecSchema.safeParse(object.spec ?? {});
  if (!parsed.success) {
    const issues = formatIssues(parsed.error)
      .split('; ')
      .map((issue) => `spec.${issue}`)
      .join('; ');
    return { object, result: { ok: false, error: issues } };
  }
  try {
    settingsFromSpec(parsed.data, 'crd');
  } catch (error) {
    return { object, result: { ok: false, error: (error as Error).message } };
  }
  return { object, result: { ok: true, spec: parsed.data } };
};

/**
 * Writes the Valid condition of a ContourConfiguration: an update (PUT) of its status subresource, the verb
 * Contour's ClusterRole grants, on the object as it is now (re-read, so a stale resourceVersion cannot conflict).
 */
export const writeContourConfigurationStatus = async (
  client: KubeClient,
  loaded: LoadedContourConfiguration,
  now: Date = new Date(),
): Promise<void> => {
  const { namespace = '', name } = loaded.object.metadata;
  const path = contourConfigurationPath(namespace, name);
  const current = await client.request<ContourConfiguration>({ method: 'GET', path });
  const valid = loaded.result.ok;
  const condition = {
    type: 'Valid',
    status: valid ? 'True' : 'False',
    reason: valid ? 'Valid' : 'Invalid',
    message: valid ? 'Valid ContourConfiguration' : loaded.result.error,
    observedGeneration: current.metadata.generation,
    lastTransitionTime: now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  await client.request({
    method: 'PUT',
    path: `${path}/status`,
    body: { ...current, status: { conditions: [condition] } },
  });
};
