// The collector's storage: one JSON metric event per line, appended and synced before a
// batch is acknowledged, reloaded on start. The ids seen so far live in memory for dedupe.
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { eventProblem } from './batch.mjs';

/** @typedef {import('../../src/metric-event').MetricEvent} MetricEvent */

/** @param {string} file */
export async function openEventLog(file) {
  await mkdir(dirname(file), { recursive: true });
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }

  /** @type {MetricEvent[]} */
  const events = [];
  const ids = new Set();
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      event = undefined;
    }
    // A torn or hand-edited line costs that line only.
    if (eventProblem(event)) skipped++;
    else if (!ids.has(event.id)) ids.add(event.id), events.push(event);
  }

  // A crash mid-append can leave a last line without its newline: the next one starts fresh.
  let separator = text && !text.endsWith('\n') ? '\n' : '';
  let writing = Promise.resolve();

  /** @param {string} lines */
  const write = async (lines) => {
    const handle = await open(file, 'a');
    try {
      await handle.appendFile(separator + lines);
      separator = '';
      await handle.datasync(); // acknowledged means on disk
    } finally {
      await handle.close();
    }
  };

  return {
    events,
    /** Lines of the log that could not be read back as metric events. */
    skipped,
    /**
     * Stores the events whose ids are new. Resolves once they are on disk; on failure
     * nothing is counted as stored, so the client's retry is not taken for a duplicate.
     * @param {MetricEvent[]} batch
     */
    async append(batch) {
      const fresh = [];
      for (const event of batch) {
        // Claimed before the write, so a concurrent batch with the same id is a duplicate.
        if (!ids.has(event.id)) ids.add(event.id), fresh.push(event);
      }
      if (fresh.length) {
        // One write at a time, in order, whatever became of the previous one.
        const done = writing.then(() => write(fresh.map((e) => JSON.stringify(e) + '\n').join('')));
        writing = done.catch(() => {});
        try {
          await done;
        } catch (err) {
          for (const event of fresh) ids.delete(event.id);
          throw err;
        }
        for (const event of fresh) events.push(event);
      }
      return { accepted: fresh.length, duplicates: batch.length - fresh.length };
    },
    /** Settles once every write started so far has. */
    settled: () => writing,
  };
}
