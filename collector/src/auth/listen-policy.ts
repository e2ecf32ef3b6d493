// Safe defaults (issue 18 item 7): without a config file the collector serves everyone
// everything, which is fine on this machine's loopback and nowhere else.
import { isIP } from 'node:net';

export type AccessMode = 'open' | 'token';

/** 127.0.0.0/8, ::1, localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  // ::ffff:127.0.0.1, the IPv4 loopback written as IPv6.
  return /^::ffff:127\./.test(bare);
}

/** A Host header naming this machine's loopback ("127.0.0.1:8787", "localhost", "[::1]:80"). */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return isLoopback(name);
}

/** Thrown before the collector listens; the message says what to run instead. */
export class UnsafeListenError extends Error {
  override name = 'UnsafeListenError';
}

/** The access mode for this address and config, or an UnsafeListenError. */
export function accessModeFor(host: string, config: string | undefined): AccessMode {
  if (config) return 'token';
  if (isLoopback(host)) return 'open';
  throw new UnsafeListenError(
    `refusing to listen on ${host || 'every address'} without a config file: anyone who can reach it could post events for any org and read every org's numbers.\n` +
      `Create one, then start with it:\n` +
      `  engage-collector org add ORG_ID --origin https://your-site.example --config engage.json\n` +
      `  engage-collector --host ${host || '0.0.0.0'} --config engage.json   (or ENGAGE_CONFIG=engage.json)\n` +
      `To try it on this machine only, listen on 127.0.0.1 (the default).`,
  );
}

/** The one line said at start in open mode. */
export const OPEN_MODE_NOTICE = 'open demo mode: no config file, so every route works without a key or token (loopback only; give --config FILE to require them)';
