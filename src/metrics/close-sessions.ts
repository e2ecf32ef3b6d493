// The missed metrics of sessions that never ended in a browser: the visitor left and never
// came back, so no tracker was there to close the session (SPEC section 4). A session or a
// call is known by the index of its first event, and its state is a few bits of `state` at
// that index: no object per session or call. One pass over the events, besides the counting.
import type { MetricEvent } from '../metric-event';
import { METRICS } from './definitions';
import { createTable, firstOf, mix, sameCall, sameSession, type Table } from './keys';

// Bits of `state`, at a session's first event.
const OPEN = 1; // an event at or after the instant, or one with no readable time: not over
const CHAT_OVER = 2; // its inbound chat was answered or missed
// At a call's first event.
const CALL_OVER = 8; // answered or missed

/**
 * Whether request `a` comes before request `b`: the earlier occurredAt, then the lower id.
 * The order the events were given in cannot decide, as a database does not keep it.
 */
function isEarlier(a: MetricEvent, b: MetricEvent): boolean {
  const x = a.occurredAt;
  const y = b.occurredAt;
  // What toISOString writes compares as text, far cheaper than Date.parse.
  if (x?.length === 24 && y?.length === 24 && x[23] === 'Z' && y[23] === 'Z' && x !== y) return x < y;
  const ta = Date.parse(a.occurredAt);
  const tb = Date.parse(b.occurredAt);
  if (ta !== tb) return ta < tb || (ta === ta && tb !== tb); // a readable time before none
  return a.id < b.id;
}

/** The hash of the key of event `e`'s session (`last`: its sessionId) or call (its callId). */
const visitorHash = (table: Table, e: MetricEvent, last: unknown) => mix(mix(mix(table.at(-1)!, e.orgId), e.visitorId), last);

/**
 * The indices of the inbound chat and call requests left unanswered by sessions over before
 * `before`: each one owes a missed metric. Only sessions with inbound events can owe one, and only events at
 * or after the instant can keep one open: the other events are passed over. `kept[j]`: 1 +
 * the index in METRICS of event j's metric, 0 for an event not counted (invalid or a
 * duplicate).
 */
export function unansweredRequests(events: readonly MetricEvent[], kept: Uint8Array, before: Date): number[] {
  const n = events.length;
  const beforeIso = before.toISOString();
  const sessions = createTable(n);
  // A call's state outlives its session: keyed by visitor and callId, not by session.
  const calls = createTable(n);
  const state = new Uint8Array(n);
  // At a session's (a call's) first event: 1 + the event index of its earliest inbound chat
  // (call) request so far, the only request that can owe its miss. Two arrays, as one event
  // can be the first of both a session and a call.
  const earliestChat = new Int32Array(n);
  const earliestCall = new Int32Array(n);
  // The session of each such request, by event index.
  const sessionOf = new Int32Array(n);
  // The sessions with a chat request (by their first event) and the calls with a request (~
  // their first event): settled once every outcome is known. A typed array, as a growing array of a million numbers costs far more than its copies.
  const asked = new Int32Array(n);
  let a = 0;
  let s = -1; // a session's events tend to come together: the previous one is tried first

  for (let j = 0; j < n; j++) {
    if (!kept[j]) continue;
    const m = METRICS[kept[j] - 1];
    const e = events[j];
    // An event without a string visitorId or sessionId gets a session no inbound one joins.
    const isInbound = m.direction === 'inbound' && typeof e.visitorId === 'string' && typeof e.sessionId === 'string';
    const t = e.occurredAt;
    // What toISOString writes (so what the SDK sends: 24 characters, Z last) compares as
    // text, far cheaper than Date.parse. No readable time: not over either.
    const open = !(t?.length === beforeIso.length && t[23] === 'Z' ? t < beforeIso : Date.parse(t) < +before);
    if (!isInbound && !open) continue;
    if (s < 0 || !sameSession(events[s], e)) s = firstOf(sessions, events, j, visitorHash(sessions, e, e.sessionId), sameSession);
    if (open) state[s] |= OPEN;
    if (!isInbound) continue;
    const chat = m.channel === 'chat';
    // A call's first event holds its state and its earliest request.
    const call = !chat && typeof e.callId === 'string' ? firstOf(calls, events, j, visitorHash(calls, e, e.callId), sameCall) : -1;
    const key = chat ? s : call;
    // A call outcome without a string callId has no call (-1): a typed array ignores that write.
    if (!m.name.endsWith('requested')) state[key] |= chat ? CHAT_OVER : CALL_OVER;
    else if (key >= 0) {
      const earliest = chat ? earliestChat : earliestCall;
      const known = earliest[key] - 1;
      if (known < 0) asked[a++] = chat ? key : ~key;
      if (known < 0 || isEarlier(e, events[known])) {
        earliest[key] = j + 1;
        sessionOf[j] = s;
      }
    }
  }

  // The earliest requests whose session is over, with no outcome.
  const requests: number[] = [];
  for (let r = 0; r < a; r++) {
    const chat = asked[r] >= 0;
    const key = chat ? asked[r] : ~asked[r];
    const j = (chat ? earliestChat : earliestCall)[key] - 1;
    if (!(state[sessionOf[j]] & OPEN) && !(state[key] & (chat ? CHAT_OVER : CALL_OVER))) requests.push(j);
  }
  return requests;
}
