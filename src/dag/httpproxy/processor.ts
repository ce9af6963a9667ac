// The HTTPProxy processor: roots (with duplicate-fqdn detection) → virtual hosts; non-roots reached by
// no root are orphaned. Roots are processed in namespace/name order so output never depends on input order.
import type { BuildContext } from '../context.js';
import { ErrorType } from '../status.js';
import { loadProxies, proxyKey, type ValidProxy } from './proxies.js';
import { processRoot } from './root.js';

/** Turns every HTTPProxy in the store into DAG virtual hosts and statuses. */
export const processHttpProxies = (context: BuildContext): void => {
  const proxies = loadProxies(context);
  const roots = new Map<string, ValidProxy[]>();
  for (const proxy of proxies.valid) {
    const fqdn = proxy.spec.virtualhost?.fqdn.toLowerCase();
    if (fqdn === undefined) continue;
    roots.set(fqdn, [...(roots.get(fqdn) ?? []), proxy]);
  }

  const reached = new Set<string>();
  for (const proxy of proxies.valid) {
    const fqdn = proxy.spec.virtualhost?.fqdn.toLowerCase();
    if (fqdn === undefined) continue;
    const sink = context.status.for(proxy.ref, proxy.generation);
    const sharing = roots.get(fqdn) ?? [];
    if (sharing.length > 1) {
      const names = sharing.map((other) => `${other.namespace}/${other.name}`).sort();
      sink.error(
        ErrorType.VirtualHost,
        'DuplicateVhost',
        `fqdn "${fqdn}" is used in multiple HTTPProxies: ${names.join(', ')}`,
      );
      continue;
    }
    processRoot({ context, proxies, root: proxy, reached }, sink);
  }

  for (const proxy of proxies.valid) {
    if (proxy.spec.virtualhost || reached.has(proxyKey(proxy.namespace, proxy.name))) continue;
    context.status
      .for(proxy.ref, proxy.generation)
      .error(
        ErrorType.Orphaned,
        'Orphaned',
        'this HTTPProxy is not part of a delegation chain from a root HTTPProxy',
      );
  }
};
