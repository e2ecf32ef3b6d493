// aggregate() over 1,000,000 metric events: by org, rep, page, and with closeSessionsBefore.
// Target: each median under 1 s on one core. Run `npm run build` first, then
// `node bench/aggregate.bench.mjs`. Exits 1 when a median misses the target.
// AGGREGATE_MODULE=path/to/metrics.js measures another build than dist/metrics.js.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const modulePath = process.env.AGGREGATE_MODULE;
const { aggregate } = await import(modulePath ? pathToFileURL(resolve(modulePath)).href : '../dist/metrics.js');

// A collection before each timed run, so that no run pays for the generator's garbage or the
// previous run's (the usual way to get gc() without `node --expose-gc`). gc() leaves part of
// its work (sweeping) to background threads: on a 2-core machine they would share the CPUs
// with the timed run (100-300 ms more per run, CPU time above wall time), so they get half a
// second to finish first.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const collectGarbage = () => {
  gc();
  return sleep(500);
};

const TOTAL = 1_000_000;
const RUNS = 5;
const TARGET_MS = 1000;
const ORGS = 5;
const REPS = 50;
const PAGES = ['/', '/pricing', '/demo', '/contact', '/about', '/careers', '/security', '/partners']
  .concat(Array.from({ length: 12 }, (_, i) => `/product/${i + 1}`))
  .concat(Array.from({ length: 10 }, (_, i) => `/blog/post-${i + 1}`));

// A seeded generator, so every run measures the same mix of events (ids are random).
let seed = 0x2f6b1a3d;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const chance = (p) => random() < p;
const uuid = () => crypto.randomUUID();

const end = Date.parse('2026-11-24T18:00:00.000Z');
const start = end - 7 * 24 * 3600_000;

function generate() {
  const events = [];
  let calls = 0;
  while (events.length < TOTAL) {
    const org = Math.floor(random() * ORGS);
    const orgId = `org_${org + 1}`;
    // Reps belong to one org each: rep_n works for org (n mod ORGS).
    const repOf = () => `rep_${org + 1 + ORGS * Math.floor(random() * (REPS / ORGS))}`;
    const visitorId = uuid();
    const sessionId = uuid();
    let at = start + Math.floor(random() * (end - start));
    const emit = (metric, page, extra) => {
      at += Math.floor(random() * 60_000);
      const event = { id: uuid(), metric, orgId, visitorId, sessionId, page, ...extra, occurredAt: new Date(at).toISOString() };
      events.push(event);
      // At-least-once delivery: about 2% arrive twice.
      if (chance(0.02)) events.push({ ...event });
    };
    const scenarios = 1 + Math.floor(random() * 3);
    for (let s = 0; s < scenarios; s++) {
      const page = pick(PAGES);
      const kind = random();
      if (kind < 0.35) {
        emit('inbound_chat_requested', page, {});
        if (chance(0.7)) emit('inbound_chat_answered', page, { repId: repOf() });
        else if (chance(0.6)) emit('inbound_chat_missed', page, { reason: 'session_end' });
        // else: left open, for closeSessionsBefore
      } else if (kind < 0.6) {
        const repId = repOf();
        emit('proactive_chat_attempted', page, { repId });
        if (chance(0.4)) emit('proactive_chat_accepted', page, { repId });
      } else if (kind < 0.8) {
        const repId = repOf();
        const callId = `c${++calls}`;
        emit('proactive_call_attempted', page, { repId, callId });
        if (chance(0.5)) emit('proactive_call_accepted', page, { repId, callId });
      } else {
        const callId = `c${++calls}`;
        emit('inbound_call_requested', page, { callId });
        if (chance(0.6)) emit('inbound_call_answered', page, { repId: repOf(), callId });
        else if (chance(0.75)) emit('inbound_call_missed', page, { callId, reason: pick(['canceled', 'timeout', 'ended']) });
      }
    }
  }
  events.length = TOTAL;
  return events;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

let t = performance.now();
const events = generate();
const unique = new Set(events.map((e) => e.id)).size;
console.log(`generated ${events.length.toLocaleString('en')} events (${(events.length - unique).toLocaleString('en')} duplicate ids) in ${Math.round(performance.now() - t)} ms`);

const closeSessionsBefore = new Date(end - 30 * 60_000);
const cases = [
  ['by org', { by: 'org' }],
  ['by rep', { by: 'rep' }],
  ['by page', { by: 'page' }],
  ['by org, closeSessionsBefore', { by: 'org', closeSessionsBefore }],
  ['by page, closeSessionsBefore', { by: 'page', closeSessionsBefore }],
];

// Warm-up: let the JIT see every path, and settle, before timing.
const sample = events.slice(0, 200_000);
for (let round = 0; round < 3; round++) for (const [, options] of cases) aggregate(sample, options);

let failed = false;
for (const [name, options] of cases) {
  const wall = [];
  const cpu = [];
  let rows = 0;
  for (let run = 0; run < RUNS; run++) {
    await collectGarbage();
    const cpuBefore = process.cpuUsage();
    t = performance.now();
    rows = aggregate(events, options).length;
    wall.push(performance.now() - t);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  const ms = median(wall);
  const ok = ms < TARGET_MS;
  failed ||= !ok;
  // CPU time as well: on a shared machine, wall time also counts other processes' turns.
  console.log(
    `${name.padEnd(30)} median ${ms.toFixed(0).padStart(5)} ms (cpu ${median(cpu).toFixed(0).padStart(5)} ms)  ${String(rows).padStart(3)} rows  ${ok ? 'ok' : `over ${TARGET_MS} ms`}`,
  );
}
console.log(failed ? `target < ${TARGET_MS} ms: missed` : `target < ${TARGET_MS} ms: met`);
process.exitCode = failed ? 1 : 0;
