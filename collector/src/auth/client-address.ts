// Which client a request comes from, for the per-address rate limit.
/** The client's address: the connection's, or behind a trusted proxy the address it saw. */
export function clientAddress(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor) {
    const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    const last = entries[entries.length - 1].trim();
    if (last) return last;
  }
  return remoteAddress ?? 'unknown';
}
