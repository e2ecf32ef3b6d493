// The dashboard: reads the view from the URL, asks the collector for the numbers of the
// chosen range (and the previous one), and shows them; refreshes itself while open.
import { ApiError, createApi, type By, type MetricsQuery, type MetricsRow, type Session } from './api';
import { ALL_METRICS } from './catalog';
import { buildOverview, type Counts } from './cards';
import { fillControls, syncControls, viewAfterChange } from './controls';
import { saveBlob } from './csv-download';
import { byId, h, setText } from './dom';
import { rangeText, spanText } from './range-text';
import { computeRanges, type Ranges } from './ranges';
import { buildPageTable, buildRepTable, type PageRow, type RepRow } from './tables';
import { forgetToken, readToken, saveToken } from './token-store';
import { buildTrend } from './trend';
import { formatView, parseView, type View } from './view-state';
import { browserZone, formatLocalDate } from './zone';

const REFRESH_MS = refreshMsFromUrl();
const api = createApi(new URL('./', location.href).href, readToken);
let view: View = parseView(location.search, browserZone());
let session: Session | undefined;
let generation = 0;
let lastLoadMs = 0;
let refreshTimer: ReturnType<typeof setInterval> | undefined;

/** `?refresh=SECONDS` (at least 2) shortens the 30 s refresh, for wall screens and tests. */
function refreshMsFromUrl(): number {
  const s = Number(new URLSearchParams(location.search).get('refresh'));
  return Number.isFinite(s) && s >= 2 ? s * 1000 : 30_000;
}

// ---- page parts -------------------------------------------------------------------------
const ui = {
  signIn: byId<HTMLFormElement>('signin'),
  signInMessage: byId('signin-message'),
  token: byId<HTMLInputElement>('token'),
  account: byId('account'),
  accountText: byId('account-text'),
  signOut: byId<HTMLButtonElement>('signout'),
  dashboard: byId('dashboard'),
  data: byId('data'),
  loading: byId('loading'),
  status: byId('status'),
  error: byId('error'),
  errorText: byId('error-text'),
  retry: byId<HTMLButtonElement>('retry'),
  empty: byId('empty'),
  rangeText: byId('range-text'),
  range: byId<HTMLSelectElement>('range'),
  custom: byId('custom-range'),
  from: byId<HTMLInputElement>('from'),
  to: byId<HTMLInputElement>('to'),
  tz: byId<HTMLSelectElement>('tz'),
  bucket: byId<HTMLSelectElement>('bucket'),
  org: byId<HTMLSelectElement>('org'),
  orgLabel: byId('org-label'),
  metric: byId<HTMLSelectElement>('metric'),
};

const overview = buildOverview(byId('rates'), byId('groups'));
const trend = buildTrend(byId('chart'), byId<HTMLTableElement>('trend-table'), byId('trend-empty'));

const repTable = buildRepTable(byId<HTMLTableElement>('reps-table'), view.reps, (sort) => setView({ ...view, reps: sort }, false));
const pageTable = buildPageTable(byId<HTMLTableElement>('pages-table'), view.pages, (sort) => setView({ ...view, pages: sort }, false));

// ---- controls ---------------------------------------------------------------------------
function onControlsChange(target: EventTarget | null) {
  const next = viewAfterChange(ui, target, view, Date.now());
  if (next) setView(next);
}

/** Makes `next` the view: in the URL (replaced, not a new history entry), and loads it. */
function setView(next: View, reload = true) {
  view = next;
  history.replaceState(null, '', formatView(view) + (REFRESH_MS !== 30_000 ? `&refresh=${REFRESH_MS / 1000}` : ''));
  if (reload) void load('view');
}

// ---- states -----------------------------------------------------------------------------
function showError(err: unknown) {
  const message =
    err instanceof ApiError
      ? err.status === 0
        ? 'The collector could not be reached.'
        : `The collector answered ${err.status}${err.code ? ` (${err.code})` : ''}: ${err.message}`
      : `Something went wrong: ${String(err)}`;
  setText(ui.errorText, `${message} The numbers below may be out of date; the page tries again every ${REFRESH_MS / 1000} s.`);
  ui.error.hidden = false;
}

function showSignIn(message: string) {
  stopRefresh();
  session = undefined;
  ui.dashboard.hidden = true;
  ui.account.hidden = true;
  ui.signIn.hidden = false;
  setText(ui.signInMessage, message);
  ui.token.value = '';
  ui.token.focus();
}

function showSession(s: Session) {
  session = s;
  ui.signIn.hidden = true;
  ui.dashboard.hidden = false;
  ui.account.hidden = false;
  ui.signOut.hidden = s.mode !== 'token';
  setText(ui.accountText, s.mode === 'open' ? 'Open demo mode: no sign-in needed' : s.orgId ? `Signed in to ${s.orgId}` : 'Signed in with an admin token');
  const orgs = orgsOf(s);
  if (!view.org || !orgs.includes(view.org)) view = { ...view, org: orgs[0] };
  ui.org.replaceChildren(...orgs.map((o) => h('option', { value: o }, o)));
  if (view.org) ui.org.value = view.org;
  ui.orgLabel.hidden = orgs.length < 2;
}

const orgsOf = (s: Session): string[] => s.orgs ?? (s.orgId ? [s.orgId] : []);

// ---- loading ----------------------------------------------------------------------------
const forOrg = <R extends MetricsRow>(rows: R[], org: string | undefined) => rows.filter((r) => r.orgId === org);
const countsOf = (rows: MetricsRow[], org: string | undefined): Counts => forOrg(rows, org)[0]?.counts ?? {};

/** The counts of a range from its buckets' rows. */
function sumOfBuckets(rows: MetricsRow[]): Counts {
  const sum: Counts = {};
  for (const row of rows) {
    for (const [id, n] of Object.entries(row.counts) as [keyof Counts, number][]) sum[id] = (sum[id] ?? 0) + n;
  }
  return sum;
}

function queries(ranges: Ranges, by: By, withBucket = false): MetricsQuery {
  return { by, fromMs: ranges.current.fromMs, toMs: ranges.current.toMs, tz: view.tz, orgId: view.org, ...(withBucket ? { bucket: view.bucket } : {}) };
}

async function load(reason: 'view' | 'refresh' | 'start') {
  const gen = ++generation;
  const ranges = computeRanges(view, view.tz, Date.now());
  syncControls(ui, view, ranges);
  setText(ui.rangeText, rangeText(ranges, view.tz));
  if (reason !== 'refresh') {
    performance.mark('engage:view-start'); // user timing, read by bench/dashboard.mjs
    ui.data.setAttribute('aria-busy', 'true');
    setText(ui.status, 'Loading…');
  }
  try {
    const s = await api.session();
    if (gen !== generation) return;
    showSession(s);
    if (!view.org) {
      finish(gen, ranges, undefined);
      return;
    }
    // Four questions, not five: the range's totals are the sum of its buckets (every bucket
    // counts only events inside [from, to)), which saves the store a query per view.
    const [previous, reps, pages, buckets] = await Promise.all([
      api.metrics({ ...queries(ranges, 'org'), fromMs: ranges.previous.fromMs, toMs: ranges.previous.toMs }),
      api.metrics(queries(ranges, 'rep')),
      api.metrics(queries(ranges, 'page')),
      api.metrics(queries(ranges, 'org', true)),
    ]);
    if (gen !== generation) return; // a newer view or refresh has started: its numbers win
    finish(gen, ranges, { previous, reps, pages, buckets });
  } catch (err) {
    if (gen !== generation) return;
    ui.data.removeAttribute('aria-busy');
    setText(ui.status, '');
    if (err instanceof ApiError && err.status === 401) {
      const had = readToken() !== undefined;
      forgetToken();
      showSignIn(had ? 'The collector did not accept that token. Sign in again.' : 'This collector needs a read or admin token.');
      return;
    }
    showError(err instanceof ApiError && err.status === 403 ? new ApiError(403, err.code, `this token cannot read ${view.org ?? 'that organization'}.`) : err);
    startRefresh(); // keeps trying: the message goes once the collector answers
  }
}

interface Loaded {
  previous: MetricsRow[];
  reps: MetricsRow[];
  pages: MetricsRow[];
  buckets: MetricsRow[];
}

function finish(gen: number, ranges: Ranges, d: Loaded | undefined) {
  if (gen !== generation) return;
  lastLoadMs = Date.now();
  const org = view.org;
  const current = d ? sumOfBuckets(forOrg(d.buckets, org)) : {};
  overview.update(current, d ? countsOf(d.previous, org) : {});
  const reps = d ? (forOrg(d.reps, org).filter((r) => typeof r.repId === 'string') as RepRow[]) : [];
  const pages = d ? (forOrg(d.pages, org).filter((r) => typeof r.page === 'string') as PageRow[]) : [];
  repTable.setSort(view.reps);
  repTable.update(reps);
  pageTable.setSort(view.pages);
  pageTable.update(pages);
  const points = d
    ? forOrg(d.buckets, org)
        .filter((r) => typeof r.bucket === 'string' && !Number.isNaN(Date.parse(r.bucket)))
        .map((r) => ({ bucket: r.bucket as string, value: r.counts[view.metric] ?? 0 }))
    : [];
  trend.show({ metric: view.metric, bucket: view.bucket, zone: view.tz }, points);
  const nothing = ALL_METRICS.every((id) => !current[id]) && reps.length === 0 && pages.length === 0;
  ui.empty.hidden = !nothing;
  setText(ui.empty, org ? `No events for ${org} from ${spanText(ranges.current, view.tz)} (${view.tz}).` : 'No organization has sent events yet.');
  ui.loading.hidden = true;
  ui.data.hidden = false;
  ui.data.removeAttribute('aria-busy');
  ui.error.hidden = true;
  const [started] = performance.getEntriesByName('engage:view-start', 'mark');
  if (started) {
    performance.clearMarks('engage:view-start');
    // Measured once the browser has painted the new numbers (the frame after this one).
    requestAnimationFrame(() => setTimeout(() => performance.measure('engage:view-shown', { start: started.startTime, end: performance.now() })));
  }
  setText(ui.status, `Updated at ${new Date(lastLoadMs).toLocaleTimeString('en-GB', { timeZone: view.tz })}; refreshes every ${REFRESH_MS / 1000} s.`);
  startRefresh();
}

function startRefresh() {
  refreshTimer ??= setInterval(() => {
    if (!document.hidden) void load('refresh');
  }, REFRESH_MS);
}

function stopRefresh() {
  if (refreshTimer !== undefined) clearInterval(refreshTimer);
  refreshTimer = undefined;
  generation++; // answers still on their way are dropped
}

// ---- CSV --------------------------------------------------------------------------------
async function downloadCsv(kind: 'overview' | 'reps' | 'pages' | 'trend') {
  const ranges = computeRanges(view, view.tz, lastLoadMs || Date.now());
  const by: By = kind === 'reps' ? 'rep' : kind === 'pages' ? 'page' : 'org';
  const q = queries(ranges, by, kind === 'trend');
  try {
    const blob = await api.metricsCsv(q);
    saveBlob(blob, `engage-${view.org ?? 'all'}-${kind}-${formatLocalDate(ranges.firstDay)}_${formatLocalDate(ranges.lastDay)}.csv`);
  } catch (err) {
    showError(err);
  }
}

// ---- wiring -----------------------------------------------------------------------------
function wire() {
  byId('controls').addEventListener('change', (e) => onControlsChange(e.target));
  // Enter in a control applies it already: the form itself never submits anywhere.
  byId('controls').addEventListener('submit', (e) => e.preventDefault());
  ui.metric.addEventListener('change', (e) => onControlsChange(e.target));
  ui.retry.addEventListener('click', () => void load('view'));
  ui.signIn.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = ui.token.value.trim();
    if (!token) return;
    saveToken(token);
    ui.loading.hidden = false;
    void load('start');
  });
  ui.signOut.addEventListener('click', () => {
    forgetToken();
    showSignIn('Signed out. The token is forgotten by this tab.');
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-csv]')) {
    button.addEventListener('click', () => void downloadCsv(button.dataset.csv as 'overview' | 'reps' | 'pages' | 'trend'));
  }
  // Escape hides a definition shown by hover or focus (WCAG 1.4.13: dismissible).
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    const active = document.activeElement;
    if (active instanceof HTMLElement && active.classList.contains('term')) active.setAttribute('data-dismissed', '');
  });
  document.addEventListener('focusout', (e) => {
    if (e.target instanceof HTMLElement) e.target.removeAttribute('data-dismissed');
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && session && Date.now() - lastLoadMs >= REFRESH_MS) void load('refresh');
  });
}

fillControls(ui, view);
wire();
void load('start');
