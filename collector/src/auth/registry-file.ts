// The registry's file: JSON an operator can read, written atomically (a temporary file in the
// same directory, flushed, then renamed over the old one) with mode 0600, so a reader (the
// running collector, a second command) sees the old file or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkRegistry, emptyRegistry, RegistryError, type Registry } from './registry.js';

/** The registry in `file`; an empty one when the file does not exist yet. */
export async function readRegistry(file: string): Promise<Registry> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistry();
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  try {
    return checkRegistry(data);
  } catch (err) {
    throw new RegistryError(`${file}: ${(err as Error).message}`);
  }
}

export async function writeRegistry(file: string, registry: Registry): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(registry, null, 2) + '\n', 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (err) {
    await unlink(temporary).catch(() => {});
    throw err;
  }
  // The rename itself survives a crash once the directory is flushed (not possible everywhere).
  const directory = await open(dirname(file), 'r').catch(() => undefined);
  await directory?.sync().catch(() => {});
  await directory?.close();
}

/** How long a command waits for another one to finish with the file. */
const LOCK_WAIT_MS = 10_000;
/** A lock file older than this was left by a command that died. */
const STALE_LOCK_MS = 60_000;

/**
 * Reads, changes and writes the registry under a lock file, so two commands run at once do not
 * lose one's change. Returns what `change` returns; nothing is written when it throws.
 */
export async function updateRegistry<T>(file: string, change: (registry: Registry) => T): Promise<T> {
  const lock = `${file}.lock`;
  const release = await takeLock(lock);
  try {
    const registry = await readRegistry(file);
    const result = change(registry);
    await writeRegistry(file, registry);
    return result;
  } finally {
    await release();
  }
}

async function takeLock(lock: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.close();
      return () => unlink(lock).catch(() => {});
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await unlink(lock).catch(() => {});
      else if (Date.now() > deadline) throw new RegistryError(`${lock} is held by another command; remove it if none is running`);
      else await new Promise((resume) => setTimeout(resume, 50));
    }
  }
}
