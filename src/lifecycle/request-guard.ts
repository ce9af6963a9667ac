// Which requests the health and debug listeners answer at all: read-only methods, and on the debug
// listener only loopback Host names, so a web page cannot reach it through DNS rebinding (a name the
// attacker controls that resolves to 127.0.0.1 still arrives with that name as its Host).
import { BlockList, isIP } from 'node:net';

/** The methods the listeners serve; everything else gets 405. */
export const allowedMethods: readonly string[] = ['GET', 'HEAD'];

/** Which Host headers a listener answers: any (health: probes come by pod IP) or loopback only (debug). */
export type HostPolicy = 'any' | 'loopback';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** The host part of a Host header (brackets of an IPv6 literal removed), or undefined when malformed. */
export const hostOfHeader = (header: string): string | undefined => {
  let host = header;
  let port: string | undefined;
  if (header.startsWith('[')) {
    const close = header.indexOf(']');
    if (close < 0) return undefined;
    host = header.slice(1, close);
    const rest = header.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      port = rest.slice(1);
    }
    if (isIP(host) !== 6) return undefined;
  } else {
    const colon = header.lastIndexOf(':');
    if (colon >= 0) {
      host = header.slice(0, colon);
      port = header.slice(colon + 1);
    }
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return undefined;
  return host === '' ? undefined : host;
};

/** Whether a host (from hostOfHeader) names this machine's loopback interface. */
export const isLoopbackHost = (host: string): boolean => {
  const name = host.toLowerCase();
  if (name === 'localhost' || name === 'localhost.') return true;
  const family = isIP(host);
  if (family === 4) return loopback.check(host, 'ipv4');
  if (family === 6) return loopback.check(host, 'ipv6');
  return false;
};

/**
 * Why a request's Host header is refused under the policy, or undefined when it is accepted.
 * `listenAddress` (an IP literal the listener was bound to) is accepted too: an address cannot be rebound.
 */
export const hostRefusal = (
  policy: HostPolicy,
  header: string | undefined,
  listenAddress: string,
): string | undefined => {
  // A request without Host (HTTP/1.0) does not come from a browser.
  if (policy === 'any' || header === undefined) return undefined;
  const host = hostOfHeader(header);
  if (host !== undefined && (isLoopbackHost(host) || (isIP(host) !== 0 && host === listenAddress)))
    return undefined;
  return `Host "${header}" refused: the debug listener answers only loopback names (localhost, 127.0.0.0/8, [::1]) or its own address`;
};
