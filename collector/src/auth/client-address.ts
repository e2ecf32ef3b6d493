// Which client a request comes from, for the per-address rate limit.
import { isIP } from 'node:net';

/**
 * The client the per-address limit counts: the connection's address, or behind a trusted proxy
 * the address the proxy saw (the last X-Forwarded-For entry, the one it added). An IPv6 client
 * counts by its /64 (one subscriber's network: it can pick any address inside it), an IPv4
 * address written as IPv6 as the IPv4 address.
 */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  let address = remoteAddress ?? '';
  if (trustProxy && forwardedFor) {
    const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    address = entries[entries.length - 1].trim() || address;
  }
  return rateLimitKeyOf(address);
}

export function rateLimitKeyOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIP(address) !== 6) return address || 'unknown';
  // Expand "::" to its zero groups, then keep the first four groups.
  const [head, tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':') + '::/64';
}
