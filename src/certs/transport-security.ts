// Whether `contour serve` may serve xDS the way it was asked to: TLS needs all three files, and plaintext
// is only allowed on loopback unless the user says --insecure (xDS carries every TLS private key).
import { isIP } from 'node:net';

export interface XdsTransportFlags {
  /** --xds-address */
  address: string;
  /** --insecure */
  insecure: boolean;
  /** --contour-cafile, --contour-cert-file, --contour-key-file */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** True for addresses that only this host can reach. */
export const isLoopbackAddress = (address: string): boolean => {
  const host = address.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./i.test(host);
  return false;
};

/** Checks serve's xDS transport flags; returns an error message for the user, or undefined when fine. */
export const checkXdsTransportSecurity = (flags: XdsTransportFlags): string | undefined => {
  const given = [flags.caFile, flags.certFile, flags.keyFile].filter(
    (file) => file !== undefined && file !== '',
  );
  if (given.length > 0 && given.length < 3) {
    return 'you must supply all three TLS parameters - --contour-cafile, --contour-cert-file, --contour-key-file, or none of them';
  }
  if (given.length === 3 || flags.insecure) return undefined;
  if (isLoopbackAddress(flags.address)) return undefined;
  return `refusing to serve xDS without TLS on non-loopback address "${flags.address}": supply --contour-cafile, --contour-cert-file and --contour-key-file (see "contour certgen"), or pass --insecure`;
};
