// The running collector's view of the config file: reloaded when the file changes (a command
// rotated a key or revoked a token), looked at no more than once a second. A file that no
// longer reads (a bad hand edit) leaves the last good version in force, reported once.
import { stat } from 'node:fs/promises';
import { compileAccessList, type AccessList } from './access-list.js';
import { readRegistry } from './registry-file.js';

/** How stale the view may be: a revoked token works at most this long after the command. */
export const RELOAD_CHECK_MS = 1_000;

export interface AccessSource {
  current(): Promise<AccessList>;
}

/** Reads `file` now (throwing if it does not read: the collector must not start on a bad file). */
export async function loadAccessSource(file: string, log: (line: string) => void): Promise<AccessSource> {
  const signature = async () => {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  };
  let seen = await signature();
  let list = compileAccessList(await readRegistry(file));
  let checkedAt = Date.now();
  let checking: Promise<void> | undefined;
  let failing = false;

  const check = async () => {
    try {
      const now = await signature();
      if (now === seen) return;
      list = compileAccessList(await readRegistry(file));
      seen = now;
      if (failing) log(JSON.stringify({ level: 'info', msg: 'config file reads again; reloaded', config: file }));
      failing = false;
    } catch (err) {
      if (!failing) log(JSON.stringify({ level: 'error', msg: 'config file unreadable; keeping the last good version', error: String((err as Error).message) }));
      failing = true;
    }
  };

  return {
    async current() {
      if (Date.now() - checkedAt >= RELOAD_CHECK_MS) {
        checkedAt = Date.now();
        checking ??= check().finally(() => (checking = undefined));
      }
      if (checking) await checking;
      return list;
    },
  };
}
