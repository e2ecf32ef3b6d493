// Random but seeded histories of what a collector receives: visitors with sessions (tabs of a
// session interleave), reps, pages, every kind of call and chat with and without an outcome
// (abandoned sessions), batches sent with skewed clocks, some resent later (retries), some
// with an event twice, a few with a clock that jumped (clamped) or an unreadable sentAt.
import type { MetricEvent, MetricName } from 'engage-tracker/metrics';

export interface SentBatch {
  sentAt: string;
  receivedAt: number;
  events: MetricEvent[];
}

export interface History {
  seed: number;
  /** Where its time line starts (one of a few instants near DST changes and a month's end). */
  base: number;
  /** In the order the collector receives them. */
  batches: SentBatch[];
  /** An instant inside the history, for ranges and closing. */
  start: number;
  end: number;
}

export function seededRandom(seed: number) {
  let s = seed | 0;
  const random = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]) => list[int(list.length)];
  const chance = (p: number) => random() < p;
  return { random, int, pick, chance };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Around Berlin's spring and autumn DST changes, a month's end and a plain week.
const STARTS = ['2026-03-28T18:00:00Z', '2026-10-24T18:00:00Z', '2026-11-29T20:00:00Z', '2026-06-10T08:00:00Z'].map(Date.parse);
const PAGES = ['/', '/pricing', '/docs/setup', '/a,b', '/ümlaut', '=cmd', '/Z', '/a'];

export function generateHistory(seed: number): History {
  const r = seededRandom(seed);
  const base = r.pick(STARTS);
  const start = base + r.int(12) * HOUR;
  // Org ids of their own, so that histories can share a database without touching.
  const orgs = Array.from({ length: 1 + r.int(3) }, (_, i) => `org_${seed}_${String.fromCharCode(97 + i)}`);
  let lastId = 0;
  const id = () => `${seed}-${++lastId}`;
  type Timed = MetricEvent & { at: number };
  const visitors: { skew: number; events: Timed[] }[] = [];

  for (let v = 0; v < 2 + r.int(10); v++) {
    const orgId = r.pick(orgs);
    const reps = Array.from({ length: 1 + r.int(4) }, (_, i) => `rep_${i}${orgId.slice(-1)}`);
    const visitorId = `v${v}`;
    // Most clocks are near right; some hours or a day off.
    const skew = r.chance(0.6) ? r.int(4000) - 2000 : (r.int(49) - 24) * HOUR + r.int(HOUR);
    const events: Timed[] = [];
    let calls = 0;
    for (let s = 0; s < 1 + r.int(3); s++) {
      const sessionId = `s${v}-${s}`;
      // Tabs of one session: interleaved runs of interactions, each in its own time line.
      for (let tab = 0; tab < 1 + r.int(2); tab++) {
        let t = start + r.int(60) * HOUR + r.int(HOUR);
        for (let k = 0; k < 1 + r.int(4); k++) {
          t += r.int(90) * MINUTE + r.int(MINUTE);
          const page = r.pick(PAGES);
          const base = { orgId, visitorId, sessionId, page };
          const add = (metric: MetricName, at: number, fields: Partial<MetricEvent> = {}) =>
            events.push({ id: id(), metric, ...base, ...fields, occurredAt: '', at });
          const rep = r.pick(reps);
          const kind = r.int(4);
          if (kind === 0) {
            const callId = `c${v}-${++calls}`;
            add('proactive_call_attempted', t, { repId: rep, callId });
            if (r.chance(0.5)) add('proactive_call_accepted', t + r.int(MINUTE), { repId: rep, callId });
          } else if (kind === 1) {
            const callId = `c${v}-${++calls}`;
            add('inbound_call_requested', t, { callId });
            const outcome = r.int(4); // answered, missed, nothing (abandoned), answered in a later session
            if (outcome === 0) add('inbound_call_answered', t + r.int(2 * MINUTE), { repId: rep, callId });
            if (outcome === 1) add('inbound_call_missed', t + r.int(2 * MINUTE), { callId, reason: r.pick(['canceled', 'timeout', 'ended'] as const) });
            if (outcome === 3) add('inbound_call_answered', t + 3 * HOUR, { repId: rep, callId, sessionId: `${sessionId}-later` });
          } else if (kind === 2) {
            add('proactive_chat_attempted', t, { repId: rep });
            if (r.chance(0.5)) add('proactive_chat_accepted', t + r.int(MINUTE), { repId: rep, conversationId: `conv${v}` });
          } else {
            add('inbound_chat_requested', t, r.chance(0.5) ? { conversationId: `conv${v}-${k}` } : {});
            const outcome = r.int(3);
            if (outcome === 0) add('inbound_chat_answered', t + r.int(2 * MINUTE), { repId: rep });
            if (outcome === 1) add('inbound_chat_missed', t + r.int(2 * MINUTE), { reason: r.pick(['timeout', 'session_end'] as const) });
          }
        }
      }
    }
    for (const e of events) e.occurredAt = new Date(e.at + skew).toISOString();
    visitors.push({ skew, events: events.sort((a, b) => a.at - b.at) });
  }

  // Batches of 1-6 events in time order, sent a little after their last event.
  const batches: SentBatch[] = [];
  for (const { skew, events } of visitors) {
    for (let i = 0; i < events.length; ) {
      const size = 1 + r.int(6);
      const chunk = events.slice(i, i + size);
      i += size;
      const sent = chunk.at(-1)!.at + r.int(5 * MINUTE);
      const body: MetricEvent[] = chunk.map(({ at: _, ...e }) => e);
      if (r.chance(0.1)) body.push({ ...r.pick(body) }); // an event twice in one batch
      // A clock that jumped back after the events: they look a day ahead of the send, clamped.
      if (r.chance(0.05)) for (const e of body) e.occurredAt = new Date(Date.parse(e.occurredAt) + 24 * HOUR).toISOString();
      const sentAt = r.chance(0.05) ? 'not a date' : new Date(sent + skew).toISOString();
      const receivedAt = sent + r.int(3000);
      batches.push({ sentAt, receivedAt, events: body });
      // A retry: the same events again, later, with the new attempt's sentAt.
      if (r.chance(0.15)) {
        const again = sent + r.int(2 * HOUR);
        batches.push({ sentAt: new Date(again + skew).toISOString(), receivedAt: again + r.int(3000), events: body.map((e) => ({ ...e })) });
      }
    }
  }
  batches.sort((a, b) => a.receivedAt - b.receivedAt);
  const times = batches.map((b) => b.receivedAt);
  return { seed, base, batches, start: Math.min(...times), end: Math.max(...times) };
}
