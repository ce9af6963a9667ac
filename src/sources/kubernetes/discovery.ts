// API discovery: which group/versions the server serves, so a missing CRD is skipped (not a
// crash loop) and EndpointSlices are read from v1 or, on Kubernetes < 1.21, v1beta1.
import { type KubeClient, isApiStatus } from './client.js';
import type { ResourceType } from './resources.js';

interface ApiResourceList {
  resources?: { name: string; namespaced?: boolean }[];
}

/** Whether the server serves that resource in that group/version (404 = no; other errors throw). */
export const servesResource = async (
  client: KubeClient,
  group: string,
  version: string,
  plural: string,
  signal?: AbortSignal,
): Promise<boolean> => {
  const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
  try {
    const list = await client.request<ApiResourceList>({ method: 'GET', path, signal });
    return (list.resources ?? []).some((resource) => resource.name === plural);
  } catch (error) {
    if (isApiStatus(error, 404)) return false;
    throw error;
  }
};

/** The versions a resource may be served at, most preferred first. */
export const candidateVersions = (resource: ResourceType): string[] =>
  resource.kind === 'EndpointSlice' ? ['v1', 'v1beta1'] : [resource.version];

/** The version the server serves the resource at, or undefined when it serves none of ours. */
export const resolveVersion = async (
  client: KubeClient,
  resource: ResourceType,
  signal?: AbortSignal,
): Promise<string | undefined> => {
  for (const version of candidateVersions(resource)) {
    if (await servesResource(client, resource.group, version, resource.plural, signal)) return version;
  }
  return undefined;
};
