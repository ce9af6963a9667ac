// The well-known string formats of protoc-gen-validate (hostname, ip, header names, ...).
import { isIP } from 'node:net';

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, ≤ 253 chars. */
export const isHostname = (value: string): boolean => {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
};

/** An IP address or a host name. */
export const isAddress = (value: string): boolean => isIP(value) !== 0 || isHostname(value);

/** A simple email check: local part, one @, a host name. */
export const isEmail = (value: string): boolean => {
  const at = value.lastIndexOf('@');
  return at > 0 && !/\s/.test(value.slice(0, at)) && isHostname(value.slice(at + 1));
};

/** An absolute URI (scheme + ':'). */
export const isUri = (value: string): boolean => /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/.test(value);

/** A URI reference: absolute or relative, no whitespace. */
export const isUriReference = (value: string): boolean => !/\s/.test(value);

/** A UUID in its 8-4-4-4-12 hex form. */
export const isUuid = (value: string): boolean =>
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value);

// PGV's patterns, written as JavaScript regexes: RFC 7230 token characters (or an HTTP/2
// pseudo-header) for names; no NUL, CR or LF in values. Non-strict mode only forbids NUL, CR, LF.
const strictHeaderName = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const strictHeaderValue = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const looseHeader = /^[^\u0000\u000A\u000D]*$/;

/** HTTP header name (strict: RFC 7230 token). */
export const isHttpHeaderName = (value: string, strict: boolean): boolean =>
  strict ? strictHeaderName.test(value) : looseHeader.test(value);

/** HTTP header value (strict: no control characters other than tab). */
export const isHttpHeaderValue = (value: string, strict: boolean): boolean =>
  strict ? strictHeaderValue.test(value) : looseHeader.test(value);
