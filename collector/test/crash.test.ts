// @vitest-environment node
// Nothing lost, nothing doubled: the collector runs as its own process (the CLI of the build)
// and is killed with SIGKILL while an SDK-like client sends 10,000 events in batches of 50,
// resending whatever was not acknowledged. Every acknowledged event must be in the file after
// the crash; after a restart on the same file and the client's retries, all 10,000 are there
// exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, expect, it } from 'vitest';
import { readStoredRows } from './support/db.js';

const CLI = resolve(import.meta.dirname, '../dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'engage-crash-'));
const db = join(dir, 'engage.duckdb');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `engage-collector --db <db> --port 0` and resolves with its URL once it listens. */
function startProcess(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((done, fail) => {
    child.once('exit', (code) => fail(new Error(`the collector exited with ${code} before listening`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (url) done({ child, url });
    });
  });
}

const ev = (i: number) => ({
  id: randomUUID(),
  metric: i % 3 ? 'inbound_chat_requested' : 'proactive_call_attempted',
  orgId: 'org_crash',
  visitorId: `v${i % 97}`,
  sessionId: `s${i % 97}`,
  ...(i % 3 ? {} : { repId: `rep_${i % 7}`, callId: `c${i}` }),
  page: '/pricing',
  occurredAt: new Date().toISOString(),
});

it('keeps every acknowledged event through kill -9, and all 10,000 exactly once after retries', { timeout: 120_000 }, async () => {
  const events = Array.from({ length: 10_000 }, (_, i) => ev(i));
  const batches = Array.from({ length: events.length / 50 }, (_, b) => events.slice(b * 50, b * 50 + 50));
  const acked = new Set<string>();
  let collector = await startProcess();
  let crashed = false;

  /** One batch until acknowledged: retried on a network error or a non-2xx, as the SDK does. */
  const deliver = async (batch: typeof events) => {
    for (;;) {
      try {
        const res = await fetch(`${collector.url}/v1/engage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events: batch }),
        });
        if (res.ok) {
          for (const e of batch) acked.add(e.id);
          return;
        }
      } catch {
        // refused or reset: the collector is down; try again
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // Four senders in parallel; the collector is killed once a third is acknowledged.
  let next = 0;
  const killed = (async () => {
    while (acked.size < events.length / 3) await new Promise((r) => setTimeout(r, 5));
    const exit = new Promise((r) => collector.child.once('exit', r));
    collector.child.kill('SIGKILL');
    await exit;
    crashed = true;
    const ackedAtCrash = new Set(acked);
    const stored = new Set((await readStoredRows(db)).map((r) => r.id));
    const lost = [...ackedAtCrash].filter((id) => !stored.has(id));
    collector = await startProcess();
    return { ackedAtCrash: ackedAtCrash.size, lost };
  })();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) await deliver(batches[next++]);
    }),
  );
  const crash = await killed;
  expect(crashed).toBe(true);
  expect(crash.lost).toEqual([]);
  expect(crash.ackedAtCrash).toBeGreaterThan(0);

  const exit = new Promise((r) => collector.child.once('exit', r));
  collector.child.kill('SIGTERM');
  await exit;
  const rows = await readStoredRows(db);
  expect(rows).toHaveLength(10_000);
  expect(new Set(rows.map((r) => r.id))).toEqual(new Set(events.map((e) => e.id)));
  console.log(`[crash] killed with ${crash.ackedAtCrash} events acknowledged, none lost; 10,000 stored once after retries`);
});
