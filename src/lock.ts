// One sender at a time for a shared outbox: Web Locks across tabs where the browser has them,
// else a lock within this page (two trackers of one page, or Node).
import { webLocks } from './env';

const pageLocks = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` holding the lock `name`. With `wait` false a busy lock skips `fn` and resolves
 * false: whoever holds it is sending the same outbox.
 */
export function withLock(name: string, wait: boolean, fn: () => Promise<void>): Promise<boolean> {
  const locks = webLocks();
  if (locks) {
    const granted = async (lock: Lock | null) => !!lock && (await fn(), true);
    return locks.request(name, { ifAvailable: !wait }, granted) as Promise<unknown> as Promise<boolean>;
  }
  const held = pageLocks.get(name);
  if (held && !wait) return Promise.resolve(false);
  const run = (held ?? Promise.resolve()).catch(() => {}).then(fn).then(() => true);
  pageLocks.set(name, run);
  return run.finally(() => {
    if (pageLocks.get(name) === run) pageLocks.delete(name);
  });
}
