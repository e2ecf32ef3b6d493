// The dashboard on real volume (issue 14 item 7): a DuckDB store holding 1,000,000 events, the
// page in headless Chromium. Measures the first paint of the overview (navigation start →
// the frame after the cards, rates, tables and trend show their numbers) and a range change
// (the control's change → the frame after the new numbers), and writes the figures with the
// machine's state into bench/RESULTS.md (its "Dashboard" section).
//
//   npm run bench:dashboard            (builds first)
//   node bench/dashboard.mjs [--events N] [--runs N] [--fresh]
//
// The seeded store is kept in bench/.cache/ and reused by later runs (--fresh seeds anew).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startCollector } from '../collector/dist/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const EVENTS = Number(arg('events', 1_000_000));
const RUNS = Number(arg('runs', 5));
const FRESH = process.argv.includes('--fresh');
const CACHE = join(ROOT, 'bench/.cache');
const DB = join(CACHE, `dashboard-${EVENTS}.duckdb`);
const STAMP = `${DB}.seeded`;
const DAY = 864e5;

// ---- the machine's state ------------------------------------------------------------------
function cpuTimes() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = f[3] + f[4];
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}
const busyBetween = (a, b) => 1 - (b.idle - a.idle) / (b.total - a.total);
const ownCpuMs = () => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000;

// ---- seeding --------------------------------------------------------------------------------
const METRICS = ['proactive_call_attempted', 'proactive_call_accepted', 'inbound_call_requested', 'inbound_call_answered', 'inbound_call_missed', 'proactive_chat_attempted', 'proactive_chat_accepted', 'inbound_chat_requested', 'inbound_chat_answered', 'inbound_chat_missed'];
const PER_REP = new Set(['proactive_call_attempted', 'proactive_call_accepted', 'inbound_call_answered', 'proactive_chat_attempted', 'proactive_chat_accepted', 'inbound_chat_answered']);

function batchOf(from, count, now) {
  const events = [];
  for (let i = from; i < from + count; i++) {
    // Spread evenly over the last 90 days; a fixed pattern, no randomness needed.
    const metric = METRICS[(i * 7) % METRICS.length];
    const e = {
      id: `bench-${i}`,
      metric,
      orgId: i % 5 === 0 ? 'org_2' : 'org_1',
      visitorId: `v${i % 50_000}`,
      sessionId: `s${i % 200_000}`,
      page: `/page/${(i * 13) % 200}`,
      occurredAt: new Date(now - 60_000 - ((i * 7919) % EVENTS) * ((90 * DAY) / EVENTS)).toISOString(),
    };
    if (PER_REP.has(metric)) e.repId = `rep_${(i * 31) % 50}`;
    if (metric.includes('call')) e.callId = `c${i}`;
    if (metric.endsWith('_missed')) e.reason = 'timeout';
    events.push(e);
  }
  return JSON.stringify({ sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events });
}

function post(url, agent, body) {
  return new Promise((done, fail) => {
    const req = request(`${url}/v1/engage`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error(`seeding: ${res.statusCode} ${Buffer.concat(chunks)}`))));
    });
    req.on('error', fail).end(body);
  });
}

async function seed(url) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const now = Date.now();
  const BATCH = 500;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < EVENTS) {
        const from = next;
        next += BATCH;
        await post(url, agent, batchOf(from, Math.min(BATCH, EVENTS - from), now));
        if (from % 100_000 === 0) process.stdout.write(`  seeded ${from.toLocaleString('en-US')} events (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      }
    }),
  );
  agent.destroy();
  return (performance.now() - t0) / 1000;
}

// ---- measuring ------------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Waits for the page's n-th "engage:view-shown" measure; returns it with the part spent
 * waiting for the collector (the view's start → the last of its API answers).
 */
const viewShown = (page, n) =>
  page.waitForFunction(
    (count) => {
      const m = performance.getEntriesByName('engage:view-shown', 'measure');
      if (m.length < count) return false;
      const { startTime: start, duration } = m[count - 1];
      const api = performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/') && e.startTime >= start && e.startTime <= start + duration);
      return { start, duration, api: Math.max(0, ...api.map((e) => e.responseEnd - start)) };
    },
    n,
    { timeout: 120_000, polling: 50 },
  ).then((h) => h.jsonValue());

async function main() {
  // The commit the page was built from: read before anything else can change the tree.
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--', 'collector/dashboard'], { cwd: ROOT }).toString().trim() ? ' with uncommitted changes to the page' : '';
  mkdirSync(CACHE, { recursive: true });
  if (FRESH) for (const f of [DB, `${DB}.wal`, STAMP]) rmSync(f, { force: true });
  const load0 = loadavg()[0];
  const cpu0 = cpuTimes();
  const own0 = ownCpuMs();
  const wall0 = performance.now();

  const collector = await startCollector({ db: DB });
  let seededIn;
  if (!existsSync(STAMP)) {
    console.log(`seeding ${EVENTS.toLocaleString('en-US')} events into ${DB} …`);
    seededIn = await seed(collector.url);
    writeFileSync(STAMP, new Date().toISOString());
  }
  const seededAt = readFileSync(STAMP, 'utf8');
  const count = await (await fetch(`${collector.url}/v1/metrics?by=org`)).json();
  const stored = count.reduce((n, r) => n + Object.entries(r.counts).filter(([k]) => !k.endsWith('_held')).reduce((a, [, v]) => a + v, 0), 0);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const firstPaint = [];
  const rangeChange = [];
  const firstApi = [];
  const changeApi = [];
  const changes = [['30d', '7d'], ['7d', 'today'], ['today', '30d']];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${collector.url}/?range=7d&tz=Europe%2FBerlin`);
    const first = await viewShown(page, 1);
    firstPaint.push(first.start + first.duration); // since navigation start
    firstApi.push(first.api);
    let n = 1;
    for (const [, to] of changes) {
      await page.selectOption('#range', to);
      const shown = await viewShown(page, ++n);
      rangeChange.push(shown.duration);
      changeApi.push(shown.api);
    }
    await context.close();
  }
  const chromiumVersion = `Chromium ${browser.version()}`;
  await browser.close();
  await collector.close();

  const cpu1 = cpuTimes();
  const load1 = loadavg()[0];
  const wall = (performance.now() - wall0) / 1000;
  const busy = busyBetween(cpu0, cpu1);
  const ownCores = (ownCpuMs() - own0) / 1000 / wall; // this Node process only (Chromium not counted)
  const fmt = (ms) => `${Math.round(ms).toLocaleString('en-US')} ms`;
  const verdict = (ms, target) => (ms < target ? `met (< ${target.toLocaleString('en-US')} ms)` : `**missed** (target < ${target.toLocaleString('en-US')} ms)`);

  const section = [
    '<!-- dashboard:start (written by bench/dashboard.mjs; the rest of this file by bench/run.mjs) -->',
    '## Dashboard on 1 M events',
    '',
    `Written by \`node bench/dashboard.mjs\` (\`npm run bench:dashboard\`) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${wall.toFixed(0)} s.`,
    '',
    `- Store: DuckDB file, ${stored.toLocaleString('en-US')} events over the last 90 days (2 orgs, 50 reps, 200 pages), seeded over HTTP on ${seededAt.slice(0, 16).replace('T', ' ')} UTC${seededIn ? ` in ${seededIn.toFixed(0)} s` : ' (reused from bench/.cache)'}.`,
    `- Page: the collector's dashboard at commit ${commit}${dirty}, ${chromiumVersion}, headless, 1280×900, browser and view zone Europe/Berlin, range 7 days first.`,
    `- Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory (${(freemem() / 2 ** 30).toFixed(1)} GiB free at the end), Node ${process.version}.`,
    `- Load: 1-min load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after; the CPUs were ${(busy * 100).toFixed(0)}% busy over the run, this Node process (collector + seeding) ${ownCores.toFixed(2)} cores of it on average. **The machine is shared with other work: the times below are inflated by it, and vary from run to run.**`,
    '',
    `| measure (${RUNS} runs) | median | min | max | of which waiting for the API (median) | target |`,
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| first paint of the overview (navigation start → numbers painted) | ${fmt(median(firstPaint))} | ${fmt(Math.min(...firstPaint))} | ${fmt(Math.max(...firstPaint))} | ${fmt(median(firstApi))} after the page asked | ${verdict(median(firstPaint), 2000)} |`,
    `| range change (control changed → new numbers painted; 30d→7d→today→30d) | ${fmt(median(rangeChange))} | ${fmt(Math.min(...rangeChange))} | ${fmt(Math.max(...rangeChange))} | ${fmt(median(changeApi))} | ${verdict(median(rangeChange), 1000)} |`,
    '',
    `Every view asks the collector four questions at once: the previous range by org, the range by rep, by page, and by bucket (whose sum gives the range's totals).`,
    '<!-- dashboard:end -->',
  ].join('\n');
  const file = join(ROOT, 'bench/RESULTS.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const marked = /<!-- dashboard:start[\s\S]*?<!-- dashboard:end -->/;
  writeFileSync(file, marked.test(old) ? old.replace(marked, section) : `${old.trimEnd()}\n\n${section}\n`);
  console.log(section);
  console.log(`\nfirst paint runs: ${firstPaint.map((x) => x.toFixed(0)).join(', ')} ms (API ${firstApi.map((x) => x.toFixed(0)).join(', ')}); range changes: ${rangeChange.map((x) => x.toFixed(0)).join(', ')} ms (API ${changeApi.map((x) => x.toFixed(0)).join(', ')})`);
}

await main();
