// npm run bench: engage-tracker against peer SDKs in Debian's headless Chromium, same page,
// same collector, same run. See bench/README.md for what is measured and how.
//
//   node bench/run.mjs [--reps 5] [--sdks engage,segment,...] [--strict] [--no-aggregate] [--no-write]
//
// --strict exits 1 when a target of issue 6 is missed (by default the run only reports).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createCollector, createPageServer } from './lib/server.mjs';
import { initScript, pageHtml } from './lib/page.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH, '..');
const require = createRequire(join(BENCH, 'package.json'));

// ---- options -------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : fallback;
};
const flag = (name) => argv.includes(`--${name}`);
const VERBOSE = argv.includes('--verbose');

const EVENTS = 1000;
const RELOAD_EVENTS = 50;
const REPS = Number(opt('reps', process.env.BENCH_REPS ?? 5));
const BATCH_SIZE = 20; // engage-tracker's default
const SETTLE_MS = 500; // after ready, before the burst: init traffic and timers settle
const QUIET_MS = 6_000; // no new arrival for this long, page responsive: the SDK has sent what it will (Mixpanel's interval is 5 s)
const MAX_DELIVERY_MS = 12_000; // after the burst task ended
const MAX_BURST_TASK_MS = 10_000; // past this the burst task is reported as over 10 s
const MAX_RELOAD_MS = 15_000;
const TAIL_MS = 400; // after the last arrival: the SDK settles its answers (outbox deletes)
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  // Belt and braces: no name resolves but 127.0.0.1, so a peer we failed to configure can
  // reach no vendor server (each such attempt is still counted, as "external requests").
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/** Peers: package, adapter entry, and whether the adapter has a public flush. */
const PEERS = {
  segment: { pkg: '@segment/analytics-next', label: 'Segment analytics-next' },
  amplitude: { pkg: '@amplitude/analytics-browser', label: 'Amplitude Browser SDK' },
  snowplow: { pkg: '@snowplow/browser-tracker', label: 'Snowplow browser tracker' },
  posthog: { pkg: 'posthog-js', label: 'PostHog' },
  mixpanel: { pkg: 'mixpanel-browser', label: 'Mixpanel' },
};
const ALL = ['engage', ...Object.keys(PEERS)];
const SDKS = opt('sdks', ALL.join(',')).split(',').filter((s) => ALL.includes(s));
if (!SDKS.includes('engage')) SDKS.unshift('engage');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const runId = () => Math.random().toString(36).slice(2, 10).replace(/[^a-z0-9]/g, 'x');
const versionOf = (pkg) => JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
const log = (...a) => console.log(...a);

// ---- build ---------------------------------------------------------------------------------
const started = Date.now();
const distFile = join(ROOT, 'dist/engage-tracker.min.js');
// A build under way elsewhere (npm test builds first) empties dist/ for a few seconds.
for (let i = 0; i < 30 && !existsSync(distFile); i++) await sleep(1000);
if (!existsSync(distFile)) {
  log('dist/engage-tracker.min.js is missing: running the root build (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

const esbuild = await import('esbuild');
const scripts = new Map();
scripts.set('engage', readFileSync(distFile));
const cacheDir = join(BENCH, 'node_modules/.cache/engage-bench');
mkdirSync(cacheDir, { recursive: true });
for (const sdk of SDKS.filter((s) => s !== 'engage')) {
  const result = await esbuild.build({
    entryPoints: [join(BENCH, 'adapters', `${sdk}.js`)],
    absWorkingDir: BENCH,
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    write: false,
    logLevel: 'error',
  });
  const code = Buffer.from(result.outputFiles[0].contents);
  writeFileSync(join(cacheDir, `${sdk}.js`), code);
  scripts.set(sdk, code);
}

// Which SDK code was measured: the commit, whether src/ had uncommitted changes, when dist/ was built.
const built = (() => {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let commit = 'unknown';
  try {
    commit = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'src') ? ' with uncommitted changes in src/' : '');
  } catch {}
  return `commit ${commit}; dist/engage-tracker.min.js built ${statSync(distFile).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
})();
const versions = { engage: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version };
for (const sdk of SDKS.filter((s) => s !== 'engage')) versions[sdk] = versionOf(PEERS[sdk].pkg);
const sizes = Object.fromEntries([...scripts].map(([sdk, code]) => [sdk, { raw: code.length, gzip: gzipSync(code, { level: 9 }).length }]));

// ---- servers and browser -------------------------------------------------------------------
const files = new Map([['/page.html', { type: 'text/html; charset=utf-8', body: pageHtml }]]);
for (const [sdk, code] of scripts) files.set(`/sdk/${sdk}.js`, { type: 'text/javascript', body: code });
const pages = createPageServer(files);
const collector = createCollector();
const pageOrigin = await pages.listen();
const collectorOrigin = await collector.listen();

const { chromium } = require('playwright-core');
// launch() starts Chromium on a fresh temporary profile; every repetition is a new context.
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
const chromiumVersion = browser.version();

const pageUrl = (sdk, run) => `${pageOrigin}/page.html?sdk=${sdk}&run=${run}&collector=${encodeURIComponent(collectorOrigin)}`;

async function openContext(sdk, run) {
  const context = await browser.newContext();
  await context.addInitScript(initScript);
  const external = [];
  context.on('request', (r) => {
    if (new URL(r.url()).hostname !== '127.0.0.1') external.push(r.url());
  });
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(pageUrl(sdk, run));
  await page.waitForFunction(() => window.__bench.ready || window.__bench.failed, null, { timeout: 30_000 });
  const init = await page.evaluate(() => ({ failed: window.__bench.failed, loadMs: window.__bench.loadMs, readyMs: window.__bench.readyMs, createMs: window.__bench.createMs }));
  if (init.failed) throw new Error(`${sdk}: ${init.failed}`);
  return { context, page, init, external, consoleErrors };
}

/** page.evaluate, or undefined when the page's main thread stays busy longer than ms. */
const evaluateWithin = (page, ms, fn, arg) => Promise.race([page.evaluate(fn, arg).catch(() => undefined), sleep(ms).then(() => undefined)]);

/**
 * Waits until `expected` distinct events arrived, or nothing arrived for QUIET_MS while the
 * page was responsive (an SDK whose main thread is busy with its queue cannot send yet), or
 * maxMs passed. Returns whether the page was still busy at the end.
 */
async function waitArrivals(page, run, expected, since, maxMs) {
  const begin = now();
  let lastBusy = since;
  for (;;) {
    const s = collector.run(run);
    if (s.tokens.size >= expected) return false;
    if (now() - begin > maxMs) return true;
    if (now() - Math.max(lastBusy, s.lastTokenAt) > QUIET_MS) {
      const answered = await evaluateWithin(page, 500, () => true);
      if (answered) return false;
      lastBusy = now();
    }
    await sleep(50);
  }
}

async function burstRun(sdk) {
  const run = runId();
  const { context, page, init, external, consoleErrors } = await openContext(sdk, run);
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const reports = {};
    let reported = () => {};
    cdp.on('Runtime.bindingCalled', (e) => {
      if (e.name !== '__benchReport') return;
      const r = JSON.parse(e.payload);
      reports[r.kind] = r;
      reported();
    });
    await cdp.send('Runtime.addBinding', { name: '__benchReport' });
    const reportOf = async (kind, ms) => {
      for (const end = Date.now() + ms; !reports[kind] && Date.now() < end; ) await new Promise((r) => { reported = r; setTimeout(r, 100); });
      return reports[kind];
    };
    await sleep(SETTLE_MS);
    const s = collector.run(run);
    const requestsBefore = s.requests.length;
    const preflightsBefore = s.preflights;
    await page.evaluate(() => {
      window.__idb.readwrite = 0;
      window.__idb.readonly = 0;
      window.__idb.byStores = {};
    });
    const taskDuration = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value * 1000;
    const busy0 = await taskDuration();
    await page.evaluate((n) => window.__bench.burst(n), EVENTS);
    const loop = await reportOf('loop', 120_000);
    if (!loop) throw new Error('the burst loop did not finish within 120 s');
    // The burst task: the loop plus whatever the SDK runs before the page gets its thread back.
    const task = await reportOf('task', MAX_BURST_TASK_MS);
    const b = { ...loop, taskMs: task ? task.taskMs : undefined, taskEnd: loop.startEpoch + (task ? task.taskMs : now() - loop.startEpoch) };
    // Quiet is counted from the end of the burst task: an SDK still busy with its queue cannot send.
    await waitArrivals(page, run, EVENTS, b.taskEnd, MAX_DELIVERY_MS);
    await sleep(TAIL_MS);
    const busy1 = await taskDuration();
    const after = (await evaluateWithin(page, 3000, () => ({ idb: window.__idb, longtasks: window.__longtasks, errors: window.__bench.errors, console: window.__console }))) ??
      { idb: { readwrite: NaN, byStores: {} }, longtasks: [], errors: [], console: { count: 0, first: ['(page still busy: not read)'] }, busy: true };
    const requests = s.requests.slice(requestsBefore);
    const delivered = s.tokens.size;
    const lastArrival = Math.max(...s.tokens.values());
    const firstArrival = Math.min(...s.tokens.values());
    const bodyBytes = requests.reduce((a, r) => a + r.bodyBytes, 0);
    const wireBytes = requests.reduce((a, r) => a + r.bodyBytes + r.headerBytes, 0);
    const burstTasks = after.longtasks.filter(([start]) => start >= b.start - 1);
    return {
      loadMs: init.loadMs,
      readyMs: init.readyMs,
      createMs: init.createMs,
      usPerEvent: (b.loopMs * 1000) / EVENTS,
      taskMs: b.taskMs ?? Infinity, // Infinity: still running after MAX_BURST_TASK_MS
      delivered,
      deliveryMs: delivered >= EVENTS ? lastArrival - b.startEpoch : undefined,
      firstArrivalMs: delivered ? firstArrival - b.startEpoch : undefined,
      requests: requests.length,
      eventRequests: requests.filter((r) => r.events > 0).length,
      preflights: s.preflights - preflightsBefore,
      bytesPerEvent: delivered ? bodyBytes / delivered : undefined,
      wireBytesPerEvent: delivered ? wireBytes / delivered : undefined,
      mainThreadMs: busy1 - busy0,
      idbReadwrite: after.idb.readwrite,
      idbReadonly: after.idb.readonly,
      idbByStores: after.idb.byStores,
      longestTaskMs: after.busy ? NaN : burstTasks.reduce((m, [, d]) => Math.max(m, d), 0),
      longTasks: burstTasks.length,
      duplicateIds: sdk === 'engage' ? s.idHits - s.ids.size : undefined,
      uniqueIds: sdk === 'engage' ? s.ids.size : undefined,
      duplicateEvents: s.tokenHits - s.tokens.size,
      errors: after.errors,
      pageErrors: consoleErrors,
      console: after.console,
      pageBusy: !!after.busy,
      external: external.length,
      externalUrls: external.slice(0, 5),
      paths: [...new Set(requests.map((r) => r.path))],
      allRequests: s.requests.map((r) => `${r.method} ${r.path} ${r.bodyBytes}B ${r.events}ev +${Math.round(r.at - b.startEpoch)}ms`),
    };
  } finally {
    await context.close();
  }
}

async function reloadRun(sdk) {
  const run = runId();
  const { context, page, external, consoleErrors } = await openContext(sdk, run);
  try {
    await sleep(SETTLE_MS);
    const loaded = page.waitForEvent('load', { timeout: 30_000 });
    await page.evaluate((n) => window.__bench.reloadBurst(n), RELOAD_EVENTS);
    await loaded;
    await page.waitForFunction(() => window.__bench.reloaded && (window.__bench.ready || window.__bench.failed), null, { timeout: 30_000 });
    const readyAt = now();
    await waitArrivals(page, run, RELOAD_EVENTS, readyAt, MAX_RELOAD_MS);
    const s = collector.run(run);
    const errors = (await evaluateWithin(page, 3000, () => window.__bench.errors)) ?? [];
    return {
      kept: s.tokens.size,
      beforeReady: [...s.tokens.values()].filter((t) => t < readyAt).length,
      duplicateIds: sdk === 'engage' ? s.idHits - s.ids.size : undefined,
      duplicateEvents: s.tokenHits - s.tokens.size,
      errors,
      pageErrors: consoleErrors,
      external: external.length,
    };
  } finally {
    await context.close();
  }
}

// ---- a quiet machine -----------------------------------------------------------------------
// Other work on this 2-core machine (a test suite, a build) inflates every figure. Wait up to
// --wait-quiet seconds (default 120) for the CPUs to be mostly idle, and record the load.
const cpuTimes = () => {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return { idle: v[3] + v[4], total: v.reduce((a, b) => a + b, 0) };
};
const busyOver = async (ms) => {
  const a = cpuTimes();
  await sleep(ms);
  const b = cpuTimes();
  return 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
};
const loadavg = () => os.loadavg()[0].toFixed(2);
const waitQuiet = Number(opt('wait-quiet', 120));
const loadAtStart = loadavg();
let quiet = false;
for (const t0 = Date.now(); Date.now() - t0 < waitQuiet * 1000; ) {
  const busy = await busyOver(1000);
  if (busy < 0.15 && (await busyOver(2000)) < 0.15) {
    quiet = true;
    break;
  }
  log(`machine busy (${Math.round(busy * 100)}% of CPU, load ${loadavg()}): waiting for it to settle`);
  await sleep(4000);
}
if (!quiet && waitQuiet) log(`warning: the machine stayed busy for ${waitQuiet} s; figures below are inflated by other work`);
const cpuAtStart = cpuTimes();
/** CPU ticks of this process and its reaped children (Chromium, once closed). */
const ownTicks = () => readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(11, 15).map(Number).reduce((a, b) => a + b, 0);
const ownAtStart = ownTicks();
const runsStarted = Date.now();

// ---- the runs ------------------------------------------------------------------------------
log(`engage-tracker bench: ${SDKS.join(', ')}; ${REPS} repetitions; Chromium ${chromiumVersion}; Node ${process.version}`);
const results = Object.fromEntries(SDKS.map((sdk) => [sdk, { burst: [], reload: [], failures: [] }]));
for (let rep = 0; rep < REPS; rep++) {
  // Rotate the order so no SDK always runs first (or right after the heaviest one).
  const order = SDKS.map((_, i) => SDKS[(i + rep) % SDKS.length]);
  for (const sdk of order) {
    const t = Date.now();
    try {
      results[sdk].burst.push(await burstRun(sdk));
    } catch (err) {
      results[sdk].failures.push(`burst: ${err.message}`);
    }
    try {
      results[sdk].reload.push(await reloadRun(sdk));
    } catch (err) {
      results[sdk].failures.push(`reload: ${err.message}`);
    }
    const b = results[sdk].burst.at(-1);
    const r = results[sdk].reload.at(-1);
    if (VERBOSE && b) log(`    requests: ${b.allRequests.slice(0, 8).join('; ')}${b.allRequests.length > 8 ? ` … ${b.allRequests.at(-1)}` : ''}\n    idb ${JSON.stringify(b.idbByStores)} errors ${JSON.stringify([...b.errors, ...b.pageErrors].slice(0, 3))} console ${b.console.count} ${JSON.stringify(b.console.first.slice(0, 2))} external ${b.externalUrls.join(' ')}`);
    log(
      `  rep ${rep + 1}/${REPS} ${sdk.padEnd(9)} ` +
        (b ? `track ${b.usPerEvent.toFixed(2)} µs/event, ${b.delivered}/${EVENTS} in ${b.deliveryMs ? Math.round(b.deliveryMs) + ' ms' : '-'}, ${b.requests} requests` : 'burst failed') +
        (r ? `; reload kept ${r.kept}/${RELOAD_EVENTS}` : '; reload failed') +
        `  (${((Date.now() - t) / 1000).toFixed(1)} s)`,
    );
  }
}
await browser.close();
await pages.close();
await collector.close();
const cpuAtEnd = cpuTimes();
const busyDuringRun = 1 - (cpuAtEnd.idle - cpuAtStart.idle) / Math.max(1, cpuAtEnd.total - cpuAtStart.total);
// Ticks (1/100 s) the whole machine was busy, less this benchmark's own (Node, Chromium):
// what other work took from the 2 cores meanwhile, in cores on average.
const TICKS = 100;
const runSeconds = (Date.now() - runsStarted) / 1000;
const busyTicks = cpuAtEnd.total - cpuAtEnd.idle - (cpuAtStart.total - cpuAtStart.idle);
const otherCores = Math.max(0, (busyTicks - (ownTicks() - ownAtStart)) / TICKS / runSeconds);
const loadAtEnd = loadavg();

// ---- the aggregate() benchmark (bench/aggregate.bench.mjs, if the metrics build exists) ----
let aggregate;
if (!flag('no-aggregate') && existsSync(join(ROOT, 'dist/metrics.js')) && existsSync(join(BENCH, 'aggregate.bench.mjs'))) {
  log('\nrunning bench/aggregate.bench.mjs');
  let r = spawnSync(process.execPath, [join(BENCH, 'aggregate.bench.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0 && /ERR_MODULE_NOT_FOUND|ENOENT/.test(r.stderr)) {
    await sleep(15_000); // dist/ was being rebuilt: once more
    r = spawnSync(process.execPath, [join(BENCH, 'aggregate.bench.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  }
  aggregate = { status: r.status, output: (r.stdout + (r.stderr ? '\n' + r.stderr : '')).trim() };
  log(aggregate.output);
}

// ---- report --------------------------------------------------------------------------------
const M = (sdk, mode, key) => median(results[sdk][mode].map((x) => x[key]));
const fmt = (v, digits = 1) => (v === undefined ? '–' : v === Infinity ? `> ${MAX_BURST_TASK_MS.toLocaleString('en')}` : v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(digits));
const ratio = (peer, eng) => (peer === undefined || eng === undefined || eng === 0 ? '–' : peer === Infinity ? `> ${Math.round(MAX_BURST_TASK_MS / eng)}×` : `${(peer / eng).toFixed(peer / eng >= 10 ? 0 : 1)}×`);
const label = (sdk) => (sdk === 'engage' ? 'engage-tracker' : PEERS[sdk].label);

const rows = SDKS.map((sdk) => {
  const med = (key) => M(sdk, 'burst', key);
  const deliveredAll = results[sdk].burst.filter((x) => x.deliveryMs !== undefined).length;
  return {
    sdk,
    cells: [
      `${label(sdk)} ${versions[sdk]}`,
      `${(sizes[sdk].gzip / 1024).toFixed(1)} KB`,
      fmt(med('readyMs')),
      fmt(med('usPerEvent'), 2),
      fmt(med('taskMs')),
      fmt(med('longestTaskMs')),
      fmt(med('mainThreadMs')),
      `${fmt(med('delivered'), 0)}/${EVENTS}`,
      deliveredAll === results[sdk].burst.length ? fmt(med('deliveryMs')) : `${fmt(med('deliveryMs'))} (${deliveredAll}/${results[sdk].burst.length} runs complete)`,
      fmt(med('requests'), 0),
      fmt(med('preflights'), 0),
      fmt(med('bytesPerEvent')),
      fmt(med('wireBytesPerEvent')),
      fmt(med('idbReadwrite'), 0),
      `${fmt(M(sdk, 'reload', 'kept'), 0)}/${RELOAD_EVENTS} (min ${Math.min(...results[sdk].reload.map((x) => x.kept))})`,
    ],
  };
});
const head = ['SDK', 'script gzip', 'load + init ms', 'track() µs/event', 'burst task ms', 'longest long task ms', 'main-thread ms until delivered', 'delivered', 'delivery ms', 'requests', 'CORS preflights', 'body bytes/event', 'wire bytes/event', 'IDB readwrite tx', 'kept across reload'];
const table = (h, rs) => [`| ${h.join(' | ')} |`, `| ${h.map((x, i) => (i ? '---:' : '---')).join(' | ')} |`, ...rs.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const mainTable = table(head, rows.map((r) => r.cells));

const e = (key, mode = 'burst') => M('engage', mode, key);
const peers = SDKS.filter((s) => s !== 'engage');
const ratioTable = table(
  ['peer ÷ engage-tracker', 'track() cost', 'load + init', 'burst task', 'main-thread until delivered', 'delivery time', 'requests', 'body bytes/event', 'script gzip', 'kept across reload'],
  peers.map((sdk) => [
    label(sdk),
    ratio(M(sdk, 'burst', 'usPerEvent'), e('usPerEvent')),
    ratio(M(sdk, 'burst', 'readyMs'), e('readyMs')),
    ratio(M(sdk, 'burst', 'taskMs'), e('taskMs')),
    ratio(M(sdk, 'burst', 'mainThreadMs'), e('mainThreadMs')),
    ratio(M(sdk, 'burst', 'deliveryMs'), e('deliveryMs')),
    ratio(M(sdk, 'burst', 'requests'), e('requests')),
    ratio(M(sdk, 'burst', 'bytesPerEvent'), e('bytesPerEvent')),
    ratio(sizes[sdk].gzip, sizes.engage.gzip),
    ratio(M(sdk, 'reload', 'kept'), e('kept', 'reload')),
  ]),
);

// Targets of issue 6, item 3.
const engBurst = results.engage.burst;
const cheapestPeer = peers.map((sdk) => [sdk, M(sdk, 'burst', 'usPerEvent')]).filter(([, v]) => v !== undefined).sort((a, b) => a[1] - b[1])[0];
const maxRequests = Math.ceil(EVENTS / BATCH_SIZE) + 1;
const longest = Math.max(0, ...engBurst.map((x) => x.longestTaskMs));
const keptMin = Math.min(...results.engage.reload.map((x) => x.kept));
const targets = [];
const target = (name, met, detail) => targets.push({ name, met, detail });
if (cheapestPeer) {
  const factor = cheapestPeer[1] / e('usPerEvent');
  target('track() ≥ 10× cheaper than the cheapest peer', factor >= 10, `engage ${fmt(e('usPerEvent'), 2)} µs/event, cheapest peer ${label(cheapestPeer[0])} ${fmt(cheapestPeer[1], 2)} µs/event: ${factor.toFixed(1)}×` + (factor >= 10 ? '' : `; engage would need ≤ ${(cheapestPeer[1] / 10).toFixed(2)} µs/event`));
}
target('≤ 20 IndexedDB readwrite transactions per 1,000 events', e('idbReadwrite') <= 20, `median ${fmt(e('idbReadwrite'), 0)} (max ${Math.max(...engBurst.map((x) => x.idbReadwrite))}); by stores: ${JSON.stringify(engBurst.at(-1)?.idbByStores ?? {})}`);
target(`requests ≤ ceil(1000/batchSize)+1 = ${maxRequests}`, Math.max(...engBurst.map((x) => x.requests)) <= maxRequests, `median ${fmt(e('requests'), 0)}, max ${Math.max(...engBurst.map((x) => x.requests))}`);
target('no long task > 50 ms from the burst', longest <= 50, longest ? `longest ${longest.toFixed(0)} ms (median of runs ${fmt(e('longestTaskMs'))} ms)` : 'no long task observed in any run');
target('50 of 50 kept across an immediate reload', keptMin === RELOAD_EVENTS, `kept per run: ${results.engage.reload.map((x) => x.kept).join(', ')}`);
if (aggregate) target('aggregate() over 1,000,000 events < 1 s (bench/aggregate.bench.mjs)', aggregate.status === 0, aggregate.output.split('\n').at(-1));

const targetLines = targets.map((t) => `- ${t.met ? 'MET   ' : 'MISSED'} ${t.name}: ${t.detail}`).join('\n');

// Anything that looked off: SDK errors, page errors, requests that tried to leave the machine.
const notes = [];
for (const sdk of SDKS) {
  const r = results[sdk];
  for (const f of r.failures) notes.push(`${label(sdk)}: run failed: ${f}`);
  const errs = [...new Set([...r.burst, ...r.reload].flatMap((x) => [...(x.errors ?? []), ...(x.pageErrors ?? [])]))];
  if (errs.length) notes.push(`${label(sdk)}: reported ${errs.slice(0, 4).join(' | ')}`);
  const ext = [...r.burst, ...r.reload].reduce((a, x) => a + x.external, 0);
  if (ext) notes.push(`${label(sdk)}: ${ext} requests to hosts other than 127.0.0.1 (blocked), e.g. ${r.burst.flatMap((x) => x.externalUrls)[0] ?? ''}`);
  const busyRuns = r.burst.filter((x) => x.pageBusy).length;
  if (busyRuns) notes.push(`${label(sdk)}: in ${busyRuns} of ${r.burst.length} runs the page's main thread was still busy 3 s after the wait for arrivals ended (long tasks and IndexedDB counts of those runs could not be read)`);
  const logged = r.burst.reduce((a, x) => a + x.console.count, 0);
  if (logged) notes.push(`${label(sdk)}: ${logged} console messages over ${r.burst.length} bursts, e.g. ${JSON.stringify(r.burst.find((x) => x.console.count)?.console.first[0] ?? '')}`);
  const dupes = r.burst.reduce((a, x) => a + x.duplicateEvents, 0) + r.reload.reduce((a, x) => a + x.duplicateEvents, 0);
  if (dupes) notes.push(`${label(sdk)}: ${dupes} duplicate deliveries over all runs (at-least-once)`);
}
{
  const eb = results.engage.burst;
  const er = results.engage.reload;
  if (eb.length) {
    notes.push(`engage-tracker: script loaded in ${fmt(e('loadMs'))} ms, createTracker() itself ${fmt(e('createMs'), 2)} ms, first flush() (IndexedDB open, outbox read) done at ${fmt(e('readyMs'))} ms (medians)`);
    notes.push(`engage-tracker: per 1,000 events ${fmt(e('idbReadwrite'), 0)} readwrite and ${fmt(e('idbReadonly'), 0)} readonly IndexedDB transactions (medians); ${eb.reduce((a, x) => a + x.uniqueIds, 0)} distinct event ids and ${eb.reduce((a, x) => a + x.duplicateIds, 0)} duplicates over ${eb.length} bursts`);
    const first = eb.map((x) => x.firstArrivalMs).filter((x) => x !== undefined);
    if (first.length) notes.push(`engage-tracker: the first batch reached the collector ${fmt(median(first))} ms after the burst started (median), the last ${fmt(e('deliveryMs'))} ms`);
  }
  if (er.length) notes.push(`engage-tracker reload: of the 50 events, ${er.map((x) => x.beforeReady).join(', ')} arrived before the reloaded page was ready (sent as the page hid), the rest after; ${er.reduce((a, x) => a + (x.duplicateIds ?? 0), 0)} duplicate event ids over ${er.length} runs`);
}
if (collector.stray.length) notes.push(`collector: ${collector.stray.length} requests outside /c/<run>/<sdk>/, e.g. ${collector.stray[0].method} ${collector.stray[0].url}`);

const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? os.cpus()[0]?.model ?? 'unknown';
const machine = `${os.availableParallelism()} cores (nproc), ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`;
const minutes = ((Date.now() - started) / 60_000).toFixed(1);

const peerVersions = peers.map((sdk) => `${PEERS[sdk].pkg}@${versions[sdk]}`).join(', ');
const report = `# Benchmark results

Written by \`node bench/run.mjs\` (\`npm run bench\`) on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; ${minutes} min.

- Machine: ${machine}
- Load: 1-min load average ${loadAtStart} before the runs, ${loadAtEnd} after; ${quiet ? 'the CPUs were idle when the runs started' : 'the CPUs were NOT idle when the runs started'}; over the runs the CPUs were ${Math.round(busyDuringRun * 100)}% busy, of which other work than this benchmark took ${otherCores.toFixed(2)} of the ${os.availableParallelism()} cores on average${otherCores > 0.2 ? ' — **the machine was shared: every figure below is inflated, the time-based ones (µs, ms) the most**' : ''}
- Browser: Chromium ${chromiumVersion} (${CHROMIUM}), headless, through playwright-core ${versionOf('playwright-core')}
- Node ${process.version}; esbuild ${versionOf('esbuild')}
- engage-tracker ${versions.engage} (dist/engage-tracker.min.js, script-tag build; ${built}); peers: ${peerVersions || 'none'}
- Medians of ${REPS} repetitions, each in a fresh browser context; ${EVENTS.toLocaleString('en')} events per burst, ${RELOAD_EVENTS} for the reload test.

## Medians

${mainTable}

## Each peer against engage-tracker (peer ÷ engage; above 1× means engage-tracker is cheaper, smaller or faster; for "kept", below 1× means the peer lost more)

${ratioTable}

## Targets (issue 6, item 3)

${targetLines}
${aggregate ? `\n## aggregate() (bench/aggregate.bench.mjs)\n\n\`\`\`\n${aggregate.output}\n\`\`\`\n` : ''}
## Notes from this run

${notes.length ? notes.map((n) => `- ${n}`).join('\n') : '- nothing unusual'}

## How each figure is taken

See bench/README.md.
`;

log('\n' + report);
if (!flag('no-write')) writeFileSync(join(BENCH, 'RESULTS.md'), report);
writeFileSync(join(cacheDir, 'last-run.json'), JSON.stringify({ versions, sizes, results, aggregate }, null, 2));
if (flag('strict') && targets.some((t) => !t.met)) process.exitCode = 1;
