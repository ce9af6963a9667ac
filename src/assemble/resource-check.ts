// The check every Envoy resource passes before it is published: Envoy's own `validate.rules`
// (src/envoy/validation/validate.ts), run in production as Envoy Gateway does. A resource that fails
// is withheld and named in a Rejection, so that its objects get a status error: Envoy never sees
// config it would NACK. A resource is encoded first and validated once per content hash: a unit
// rebuilt with unchanged output re-encodes its resources but does not validate them again.
import type { Message } from '@bufbuild/protobuf';
import type { ObjectRef } from '../apis/meta.js';
import type { ResourceType } from '../envoy/resources.js';
import { validateResource } from '../envoy/validation/validate.js';
import { cacheResource, type CachedResource } from '../xds/cache/cached-resource.js';

/** A resource withheld from Envoy, and the objects that produced it. */
export interface Rejection {
  type: ResourceType;
  name: string;
  violations: string[];
  sources: ObjectRef[];
}

/** A translated resource: its encoding when valid, else why it was withheld. */
export type Checked =
  { entry: CachedResource; rejection?: undefined } | { entry?: undefined; rejection: Rejection };

/** Encodes and validates translated messages, remembering the content hashes found valid. */
export interface ResourceChecker {
  check(type: ResourceType, message: Message, sources: readonly ObjectRef[]): Checked;
  /** Starts a new build: hashes neither this build nor the last one checked are forgotten. */
  nextBuild(): void;
}

/** Creates a checker; its memory is two builds' worth of content hashes. */
export const createResourceChecker = (): ResourceChecker => {
  let current = new Set<string>();
  let previous = new Set<string>();
  return {
    check(type, message, sources) {
      const entry = cacheResource(type, message);
      const key = `${type}:${entry.version}`;
      if (current.has(key)) return { entry };
      if (previous.has(key)) {
        current.add(key);
        return { entry };
      }
      const violations = validateResource(message);
      if (violations.length > 0) {
        return { rejection: { type, name: entry.name, violations, sources: [...sources] } };
      }
      current.add(key);
      return { entry };
    },
    nextBuild() {
      previous = current;
      current = new Set();
    },
  };
};
