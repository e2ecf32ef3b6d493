// A known, reproducible history of metric events for the dashboard's tests and benchmark:
// two orgs, a handful of reps (one whose id is HTML) and pages (one path too long to show
// whole), spread over the days asked for, at times away from every hour boundary.
import type { MetricEvent, MetricName } from 'engage-tracker/metrics';

const REP_METRICS: MetricName[] = [
  'proactive_call_attempted',
  'proactive_call_accepted',
  'inbound_call_answered',
  'proactive_chat_attempted',
  'proactive_chat_accepted',
  'inbound_chat_answered',
];
const TEAM_METRICS: MetricName[] = ['inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed'];
/** Weights: requests outnumber answers, answers outnumber misses, so the rates read like rates. */
const PICK: MetricName[] = [
  ...Array<MetricName>(4).fill('proactive_call_attempted'),
  ...Array<MetricName>(2).fill('proactive_call_accepted'),
  ...Array<MetricName>(5).fill('inbound_call_requested'),
  ...Array<MetricName>(3).fill('inbound_call_answered'),
  ...Array<MetricName>(2).fill('inbound_call_missed'),
  ...Array<MetricName>(3).fill('proactive_chat_attempted'),
  'proactive_chat_accepted',
  ...Array<MetricName>(4).fill('inbound_chat_requested'),
  ...Array<MetricName>(3).fill('inbound_chat_answered'),
  'inbound_chat_missed',
];

export const REPS = ['rep_ana', 'rep_bo', 'Zoë', 'rep_<img src=x onerror=alert(1)>', 'rep_dan'];
export const LONG_PAGE = '/docs/guides/getting-started/installation/linux/debian-bookworm';
export const PAGES = ['/pricing', '/', '/contact', LONG_PAGE, '/blog/why-we-call-back'];

/** A small seeded generator (mulberry32): the same history every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HistoryOptions {
  /** [fromMs, toMs): where the events fall. */
  spans: { fromMs: number; toMs: number; perDay: number }[];
  seed?: number;
  orgs?: string[];
  idPrefix?: string;
}

export function makeHistory(o: HistoryOptions): MetricEvent[] {
  const next = random(o.seed ?? 7);
  const orgs = o.orgs ?? ['org_1', 'org_2'];
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const events: MetricEvent[] = [];
  let n = 0;
  for (const span of o.spans) {
    const count = Math.round(((span.toMs - span.fromMs) / 864e5) * span.perDay);
    for (let i = 0; i < count; i++) {
      // Whole minutes plus 17 s: never on an hour boundary, so a few ms of clock correction
      // by the collector cannot move an event into another bucket.
      const minute = Math.floor((next() * (span.toMs - span.fromMs)) / 60_000);
      const at = span.fromMs + minute * 60_000 + 17_000;
      if (at >= span.toMs) continue;
      const metric = pick(PICK);
      const e: MetricEvent = {
        id: `${o.idPrefix ?? 'h'}-${++n}`,
        metric,
        orgId: next() < 0.8 ? orgs[0] : pick(orgs),
        visitorId: `v${Math.floor(next() * 500)}`,
        sessionId: `s${Math.floor(next() * 2000)}`,
        page: pick(PAGES),
        occurredAt: new Date(at).toISOString(),
      };
      if (REP_METRICS.includes(metric)) e.repId = pick(REPS);
      if (metric.includes('call')) e.callId = `c${n}`;
      if (TEAM_METRICS.includes(metric) && metric.endsWith('missed')) e.reason = 'timeout';
      events.push(e);
    }
  }
  return events;
}

/** Posts events to a collector in batches, as the SDK would (sentAt = now: no clock skew). */
export async function postHistory(collectorUrl: string, events: readonly MetricEvent[], perBatch = 500): Promise<void> {
  for (let i = 0; i < events.length; i += perBatch) {
    const body = JSON.stringify({ sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: new Date().toISOString(), events: events.slice(i, i + perBatch) });
    const res = await fetch(`${collectorUrl}/v1/engage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (!res.ok) throw new Error(`seeding: ${res.status} ${await res.text()}`);
  }
}
