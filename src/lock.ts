// One sender at a time for a shared outbox: Web Locks across tabs where the browser has them,
// else a lock within this page (two trackers of one page, or Node) plus a lease in storage
// that other tabs respect.
import { webLocks } from './env';

const pageLocks = new Map<string, Promise<unknown>>();
/** Web Locks refused this page once (SecurityError): the page lock and the lease from then on. */
let webLocksRefused = false;

/** Takes (true) or releases the cross-tab lease; false when another tab holds it. */
export type Lease = (take: boolean) => Promise<boolean>;

/**
 * Runs `fn` holding the lock `name`. With `wait` false a busy lock skips `fn` and resolves
 * false: whoever holds it is sending the same outbox. Without Web Locks a lease held by
 * another tab also skips `fn`, whatever `wait` says: polling for it would only add latency.
 */
export function withLock(name: string, wait: boolean, fn: () => Promise<void>, lease: Lease): Promise<boolean> {
  const locks = !webLocksRefused && webLocks();
  if (locks) {
    let ran = false;
    const granted = async (lock: Lock | null) => !!lock && ((ran = true), await fn(), true);
    const request = async () => locks.request(name, { ifAvailable: !wait }, granted) as Promise<unknown> as Promise<boolean>;
    return request().catch((err) => {
      if (ran) throw err;
      // Refused before fn ran: an opaque origin (a sandboxed iframe) has navigator.locks but
      // may not use it. Without this, such a page would never send.
      webLocksRefused = true;
      return withLock(name, wait, fn, lease);
    });
  }
  const held = pageLocks.get(name);
  if (held && !wait) return Promise.resolve(false);
  const leased = async () => {
    if (!(await lease(true))) return false;
    try {
      await fn();
    } finally {
      await lease(false);
    }
    return true;
  };
  const run = (held ?? Promise.resolve()).catch(() => {}).then(leased);
  pageLocks.set(name, run);
  return run.finally(() => {
    if (pageLocks.get(name) === run) pageLocks.delete(name);
  });
}
