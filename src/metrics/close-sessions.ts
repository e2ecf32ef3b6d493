// The missed metrics of sessions that never ended in a browser: the visitor left and never
// came back, so no tracker was there to close the session (SPEC section 4). A session or a
// call is known by the index of its first event, and its state is a few bits of `kept` at
// that index: no object per session, and no large allocation to wake the garbage collector.
import type { MetricEvent } from '../metric-event';
import { CALL, createTable, firstOf, SESSION, sameKey, type Table } from './keys';

/** Bits of `kept[j]`. Event j is valid and the first with its id; also inbound, with a session. */
export const KEPT = 1;
export const INBOUND = 2;
// At a session's first event.
const OPEN = 4; // an event at or after the instant, or one with no readable time: not over
const CHAT_OVER = 8; // its inbound chat was answered or missed, or its miss is counted
// At a call's first event.
const CALL_OVER = 16; // answered or missed, or its miss is counted

const isChat = (e: MetricEvent) => e.metric.startsWith('inbound_chat');

/**
 * The inbound chat and call requests left unanswered by sessions over before `before`: each
 * one owes a missed metric. Only sessions with inbound events can owe one, and only events at
 * or after the instant can keep one open: the other events are passed over. `inbound`: how
 * many events are INBOUND; `sessions`: an empty table for `events.length` keys.
 */
export function unansweredRequests(
  events: readonly MetricEvent[],
  kept: Uint8Array,
  inbound: number,
  before: Date,
  sessions: Table,
): MetricEvent[] {
  const n = events.length;
  const beforeIso = before.toISOString(); // throws on an invalid Date: no instant, no closing
  // A call's state outlives its session: keyed by visitor and callId, not by session.
  const calls = createTable(inbound);
  let s = -1; // a session's events tend to come together: the previous one is tried first

  // What happened to each session and call.
  for (let j = 0; j < n; j++) {
    if (!kept[j]) continue;
    const isInbound = kept[j] & INBOUND;
    const t = events[j].occurredAt;
    // What toISOString writes (so what the SDK sends: 24 characters, Z last) compares as
    // text, far cheaper than Date.parse. No readable time: not over either.
    const open = !(t?.length === beforeIso.length && t[23] === 'Z' ? t < beforeIso : Date.parse(t) < +before);
    if (!isInbound && !open) continue;
    // An event without a string visitorId or sessionId gets a session no inbound one joins.
    if (s < 0 || !sameKey(events, s, j, SESSION)) s = firstOf(sessions, events, j, SESSION);
    if (open) kept[s] |= OPEN;
    const e = events[j];
    if (!isInbound || e.metric.endsWith('requested')) continue;
    if (isChat(e)) kept[s] |= CHAT_OVER;
    else if (typeof e.callId === 'string') kept[firstOf(calls, events, j, CALL)] |= CALL_OVER;
  }

  // The first request of each session's chat and of each call, in a session that is over.
  const requests: MetricEvent[] = [];
  for (let j = 0; j < n; j++) {
    const e = events[j];
    if (!(kept[j] & INBOUND) || !e.metric.endsWith('requested')) continue;
    const session = firstOf(sessions, events, j, SESSION);
    const over = !(kept[session] & OPEN);
    if (isChat(e)) {
      if (over && !(kept[session] & CHAT_OVER)) requests.push(e);
      kept[session] |= CHAT_OVER;
    } else if (typeof e.callId === 'string') {
      const call = firstOf(calls, events, j, CALL);
      if (over && !(kept[call] & CALL_OVER)) requests.push(e);
      kept[call] |= CALL_OVER;
    }
  }
  return requests;
}
