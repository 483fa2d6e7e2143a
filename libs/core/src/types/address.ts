import { isIP } from 'node:net';

/** Lowest TCP/UDP port a resource may name. */
export const MIN_PORT = 1;
/** Highest TCP/UDP port a resource may name. */
export const MAX_PORT = 65535;

/** Loopback address outbounds bind to when they give no address. */
export const DEFAULT_OUTBOUND_ADDRESS = '127.0.0.1';

const DNS_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
const MAX_DNS_NAME_LENGTH = 253;
const MAX_DNS_LABEL_LENGTH = 63;

/** True for a literal IPv4 or IPv6 address (no brackets, no port). */
export function isIpAddress(text: string): boolean {
  return isIP(text) !== 0;
}

/**
 * True for a DNS host name: dot-separated labels of letters, digits and '-', each 1..63 characters,
 * at most 253 in all. A name whose last label is all digits is rejected, so a mistyped IPv4 address
 * such as `10.0.0.256` is never taken for a host name.
 */
export function isDnsName(text: string): boolean {
  if (text.length === 0 || text.length > MAX_DNS_NAME_LENGTH) return false;
  const labels = text.split('.');
  if (!labels.every((l) => l.length <= MAX_DNS_LABEL_LENGTH && DNS_LABEL.test(l))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1] as string);
}

/** Reason `text` is not an IP address, or undefined. */
export function ipAddressProblem(text: string): string | undefined {
  return isIpAddress(text) ? undefined : `must be an IPv4 or IPv6 address, got '${text}'`;
}

/** Reason `text` is neither an IP address nor a DNS name, or undefined. */
export function hostProblem(text: string): string | undefined {
  return isIpAddress(text) || isDnsName(text) ? undefined : `must be an IPv4 address, an IPv6 address or a DNS name, got '${text}'`;
}

/**
 * Reason `text` is not `host:port` (host an IPv4 address, a DNS name or a bracketed IPv6 address;
 * port 1..65535), or undefined.
 */
export function hostPortProblem(text: string): string | undefined {
  const expected = `must be host:port with an IPv4 address, a [bracketed] IPv6 address or a DNS name and a port between ${MIN_PORT} and ${MAX_PORT}, got '${text}'`;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return expected;
  const port = Number(m[3]);
  if (port < MIN_PORT || port > MAX_PORT) return expected;
  const bracketed = m[1];
  if (bracketed !== undefined) return isIP(bracketed) === 6 ? undefined : expected;
  const host = m[2] as string;
  return isIP(host) === 4 || isDnsName(host) ? undefined : expected;
}

/**
 * A canonical spelling of an IP address, so `::1` and `0:0:0:0:0:0:0:1` compare equal; other text
 * (DNS names, IPv6 with a zone id) is only lowercased.
 */
export function canonicalAddress(address: string): string {
  if (isIP(address) === 6 && !address.includes('%')) {
    // The WHATWG URL parser prints IPv6 hosts in their RFC 5952 form.
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  }
  return address.toLowerCase();
}

/** `address:port` for messages, with IPv6 addresses in brackets. */
export function formatHostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
