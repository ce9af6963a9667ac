// Validation of a whole translation result, for the snapshot stage and debug pages.
import type { Message } from '@bufbuild/protobuf';
import type { EnvoyResources, ResourceType } from '../resources.js';
import { validateResource } from './validate.js';

/** One resource that breaks Envoy's validation rules. */
export interface InvalidResource {
  type: ResourceType;
  /** The resource name (cluster_name for ClusterLoadAssignments). */
  name: string;
  violations: string[];
}

const nameOf = (message: Message): string => {
  const named = message as Message & { name?: string; clusterName?: string };
  return named.name ?? named.clusterName ?? '';
};

/** Every resource of `resources` that fails validation, in type then resource order. */
export const invalidResources = (resources: EnvoyResources): InvalidResource[] => {
  const lists: [ResourceType, Message[]][] = [
    ['cluster', resources.clusters],
    ['endpoint', resources.endpoints],
    ['listener', resources.listeners],
    ['route', resources.routes],
    ['secret', resources.secrets],
  ];
  const invalid: InvalidResource[] = [];
  for (const [type, messages] of lists) {
    for (const message of messages) {
      const violations = validateResource(message);
      if (violations.length > 0) invalid.push({ type, name: nameOf(message), violations });
    }
  }
  return invalid;
};
