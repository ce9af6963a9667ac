// The virtual hosts of `ingress_http`, translated incrementally. An edit hands back a new sorted list
// of DAG hosts in which all but one are the same objects as before; walking it against the previous
// list by identity (pointer comparisons only) finds the changed hosts without a map lookup, a string
// comparison or a re-sort per host: at 10,000 hosts those were ~20 ms of each edit.
import { compareStrings } from '../dag/names.js';
import type { VirtualHost } from '../dag/types.js';

/**
 * Translates a sorted list of DAG hosts to Envoy virtual hosts (as whatever the engine keeps of one:
 * their encodings) sorted by name, reusing the last call's work.
 */
export type HostListTranslator<T extends { name: string }> = (hosts: readonly VirtualHost[]) => T[];

interface Previous<T> {
  hosts: readonly VirtualHost[];
  /** Parallel to hosts: the translation, or undefined for a host without routes. */
  translated: (T | undefined)[];
  /** Whether the translations, in host order, were already sorted by name (then only changes are checked). */
  inOrder: boolean;
}

const byName = (a: { name: string }, b: { name: string }): number => compareStrings(a.name, b.name);

/** Creates a translator; `translate` is called for hosts with routes that are new since the last call. */
export const createHostListTranslator = <T extends { name: string }>(
  translate: (host: VirtualHost) => T,
): HostListTranslator<T> => {
  let previous: Previous<T> = { hosts: [], translated: [], inOrder: true };
  return (hosts) => {
    const translated = new Array<T | undefined>(hosts.length);
    const result: T[] = [];
    // Indices in `result` of hosts translated (or re-found) in this call: where order may break.
    const changedAt: number[] = [];
    const old = previous.hosts;
    let i = 0;
    for (let j = 0; j < hosts.length; j++) {
      const host = hosts[j];
      // Skip previous hosts that sort before this one (removed). With both lists sorted by fqdn this
      // finds every unchanged host; an unexpected order only costs re-translations, never a wrong result.
      while (i < old.length && old[i] !== host && old[i].fqdn < host.fqdn) i++;
      let envoyHost: T | undefined;
      if (i < old.length && old[i] === host) {
        envoyHost = previous.translated[i];
        i++;
      } else if (host.routes.length > 0) {
        envoyHost = translate(host);
        changedAt.push(result.length);
      }
      translated[j] = envoyHost;
      if (envoyHost !== undefined) result.push(envoyHost);
    }
    // Envoy names follow fqdns, so host order is name order but for rare long names: check the
    // neighbours of what changed (removals cannot break an order), and sort only if that fails.
    let inOrder = previous.inOrder;
    for (const at of changedAt) {
      if (!inOrder) break;
      if (at > 0 && byName(result[at - 1], result[at]) > 0) inOrder = false;
      if (at + 1 < result.length && byName(result[at], result[at + 1]) > 0) inOrder = false;
    }
    if (!inOrder) {
      // Recheck from scratch: the list may be in order again.
      inOrder = result.every((host, index) => index === 0 || byName(result[index - 1], host) <= 0);
    }
    previous = { hosts, translated, inOrder };
    return inOrder ? result : [...result].sort(byName);
  };
};
