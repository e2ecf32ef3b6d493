// The one page every SDK runs in. Query: sdk, run, collector. The page inserts the SDK's
// script-tag build, inits it, and exposes window.__bench for run.mjs to drive.

/** Added to every page before its own scripts: counts IndexedDB transactions, records long tasks. */
export const initScript = `(() => {
  const idb = (window.__idb = { readwrite: 0, readonly: 0, byStores: {} });
  if (typeof IDBDatabase !== 'undefined') {
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (stores, mode, ...rest) {
      if (mode === 'readwrite') {
        idb.readwrite++;
        const key = typeof stores === 'string' ? stores : Array.from(stores).join('+');
        idb.byStores[key] = (idb.byStores[key] || 0) + 1;
      } else idb.readonly++;
      return transaction.call(this, stores, mode, ...rest);
    };
  }
  // Console calls are recorded, not printed: with a DevTools protocol client attached (as
  // playwright is) every console call is serialized to it, which costs the page far more than
  // in a visitor's browser and would bill an SDK that logs (PostHog, rate-limited) for it.
  const logged = (window.__console = { count: 0, first: [] });
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    console[level] = (...args) => {
      if (logged.count++ < 5) logged.first.push(level + ': ' + args.map((a) => (a && a.message) || String(a)).join(' ').slice(0, 300));
    };
  }
  const longtasks = (window.__longtasks = []);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longtasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
})();`;

/** engage-tracker's adapter lives in the page: its script-tag build exposes window.EngageTracker. */
const engageAdapter = `window.__benchAdapter = {
  async init({ collector }) {
    const t = performance.now();
    const tracker = window.EngageTracker.createTracker({
      orgId: 'bench',
      endpoint: collector + '/v1/engage',
      onError: (e) => window.__bench.errors.push(e.code + ': ' + e.message),
    });
    window.__bench.createMs = performance.now() - t;
    await tracker.flush(); // resolves once IndexedDB is open and the outbox was looked at
    return {
      track: (callId) => tracker.track({ type: 'call.requested', callId }),
      flush: () => tracker.flush(),
    };
  },
};`;

export const pageHtml = `<!doctype html>
<html><head><meta charset="utf-8"><title>engage-tracker bench</title></head>
<body><p>bench</p>
<script>
(() => {
  const q = new URLSearchParams(location.search);
  const sdk = q.get('sdk');
  const run = q.get('run');
  const B = (window.__bench = { sdk, run, errors: [], reloaded: sessionStorage.getItem('bench:reloading') === '1' });
  sessionStorage.removeItem('bench:reloading');
  const token = (i) => 'bk_' + run + '_' + i + '_k';
  if (sdk === 'engage') { ${engageAdapter} }
  let api;
  const t0 = performance.now();
  const script = document.createElement('script');
  script.src = '/sdk/' + sdk + '.js';
  script.onerror = () => (B.failed = 'script failed to load');
  script.onload = () => {
    B.loadMs = performance.now() - t0;
    Promise.resolve(window.__benchAdapter.init({ collector: q.get('collector') + '/c/' + run + '/' + sdk }))
      .then((a) => {
        api = a;
        B.readyMs = performance.now() - t0;
        // The reloaded page inits again and flushes what it has.
        if (B.reloaded && api.flush) Promise.resolve(api.flush()).catch(() => {});
        B.ready = true;
      })
      .catch((e) => (B.failed = String(e && e.stack || e)));
  };
  document.head.appendChild(script);

  // n events in one synchronous loop, inside a task of its own (a timer), so the long-task
  // observer sees the loop together with the microtasks it queued. Results go out through a
  // DevTools binding (window.__benchReport) at once: an SDK may keep the page busy for long.
  const report = (o) => window.__benchReport && window.__benchReport(JSON.stringify(o));
  B.burst = (n) => void setTimeout(() => {
    const tokens = Array.from({ length: n }, (_, i) => token(i));
    const startEpoch = performance.timeOrigin + performance.now();
    const start = performance.now();
    for (let i = 0; i < n; i++) api.track(tokens[i], i);
    const loopMs = performance.now() - start;
    report({ kind: 'loop', startEpoch, start, loopMs });
    // A task posted now runs once this task and its microtasks are done.
    setTimeout(() => {
      report({ kind: 'task', taskMs: performance.now() - start });
      if (api.flush) Promise.resolve(api.flush()).catch(() => {});
    }, 0);
  }, 0);

  // n events, then location.reload() in the same task.
  B.reloadBurst = (n) => {
    setTimeout(() => {
      sessionStorage.setItem('bench:reloading', '1');
      for (let i = 0; i < n; i++) api.track(token(i), i);
      location.reload();
    }, 0);
    return true;
  };
})();
</script>
</body></html>
`;
