// Loads the HTTPProxies this instance serves and validates each against the CRD schema, so later stages
// work on well-typed specs. Objects from manifest files were never validated by an API server.
import type { HttpProxy, HttpProxySpec } from '../../apis/httpproxy.js';
import { httpProxySpecSchema } from '../../apis/httpproxy.js';
import { refOf, type ObjectRef } from '../../apis/meta.js';
import { ingressClassMatches, type BuildContext } from '../context.js';
import { ErrorType } from '../status.js';

/** An HTTPProxy whose spec passed schema validation. */
export interface ValidProxy {
  ref: ObjectRef;
  namespace: string;
  name: string;
  generation?: number;
  spec: HttpProxySpec;
}

/** The HTTPProxies of one build, by `namespace/name`. */
export interface ProxyIndex {
  /** Schema-valid proxies, sorted by namespace/name. */
  valid: ValidProxy[];
  byName: Map<string, ValidProxy>;
  /** Proxies that exist but failed schema validation (already given a status). */
  invalid: Set<string>;
}

/** The `namespace/name` key of a proxy. */
export const proxyKey = (namespace: string, name: string): string => `${namespace}/${name}`;

const maxIssuesReported = 5;

/** Formats zod issues as `path: message` lines a user can act on. */
const describeIssues = (issues: { path: PropertyKey[]; message: string }[]): string => {
  const lines = issues
    .slice(0, maxIssuesReported)
    .map(
      (issue) =>
        `spec${issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}: ${issue.message}`,
    );
  if (issues.length > maxIssuesReported) lines.push(`and ${issues.length - maxIssuesReported} more`);
  return lines.join('; ');
};

/** Reads, class-filters and schema-validates every HTTPProxy in the store. */
export const loadProxies = (context: BuildContext): ProxyIndex => {
  const index: ProxyIndex = { valid: [], byName: new Map(), invalid: new Set() };
  for (const object of context.store.list<HttpProxy>('HTTPProxy')) {
    if (!object.metadata || typeof object.metadata.name !== 'string') continue;
    const rawSpec: unknown = object.spec ?? {};
    const specClass =
      rawSpec && typeof rawSpec === 'object' && 'ingressClassName' in rawSpec
        ? (rawSpec as { ingressClassName?: unknown }).ingressClassName
        : undefined;
    const annotations =
      object.metadata.annotations && typeof object.metadata.annotations === 'object'
        ? object.metadata.annotations
        : undefined;
    if (
      !ingressClassMatches(
        annotations,
        typeof specClass === 'string' ? specClass : undefined,
        context.options.ingressClassNames,
      )
    )
      continue;
    const ref = refOf(object);
    const generation =
      typeof object.metadata.generation === 'number' ? object.metadata.generation : undefined;
    const parsed = httpProxySpecSchema.safeParse(rawSpec);
    if (!parsed.success) {
      context.status
        .for(ref, generation)
        .error(ErrorType.Spec, 'SpecNotValid', describeIssues(parsed.error.issues));
      index.invalid.add(proxyKey(ref.namespace, ref.name));
      continue;
    }
    const proxy: ValidProxy = {
      ref,
      namespace: ref.namespace,
      name: ref.name,
      generation,
      spec: parsed.data,
    };
    index.valid.push(proxy);
    index.byName.set(proxyKey(ref.namespace, ref.name), proxy);
  }
  return index;
};
