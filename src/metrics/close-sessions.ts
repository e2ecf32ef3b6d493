// The missed metrics of sessions that never ended in a browser: the visitor left and never
// came back, so no tracker was there to close the session (SPEC section 4). A session or a
// call is known by the index of its first event; its state lives in typed arrays at that
// index, not in an object per session.
import type { MetricEvent } from '../metric-event';
import { CALL, createTable, firstOf, SESSION, sameKey, type Table } from './keys';

const OPEN = 1; // an event at or after the instant, or one with no readable time: not over
const CHAT_OVER = 2; // the session's inbound chat was answered or missed
const CALL_DONE = 4; // the call was answered or missed

/** `kept[j]` values: event j is valid and the first with its id; it is also inbound, with a session. */
export const KEPT = 1;
export const INBOUND = 2;

/**
 * The inbound chat and call requests left unanswered by sessions over before `before`: each
 * one owes a missed metric. Only sessions with inbound events can owe one, and only events at
 * or after the instant can keep one open: the other events are passed over. `sessions`: an
 * empty table for `events.length` keys.
 */
export function unansweredRequests(events: readonly MetricEvent[], kept: Uint8Array, before: Date, sessions: Table): MetricEvent[] {
  const n = events.length;
  const beforeIso = before.toISOString(); // throws on an invalid Date: no instant, no closing
  // A call's state outlives its session: keyed by visitor and callId, not by session.
  const calls = createTable(n);
  const flags = new Uint8Array(n); // sessions and calls each have their own bits
  // 1 + the index of the requesting event, whose page the miss carries; 0 = none. Separate
  // arrays, since a session's first event may also be a call's.
  const chatRequest = new Int32Array(n);
  const callRequest = new Int32Array(n);
  let s = -1; // a session's events tend to come together: the previous one is tried first

  for (let j = 0; j < n; j++) {
    if (!kept[j]) continue;
    const isInbound = kept[j] === INBOUND;
    const t = events[j].occurredAt;
    // What toISOString writes (so what the SDK sends: 24 characters, Z last) compares as
    // text, far cheaper than Date.parse. No readable time: not over either.
    const open = !(t?.length === beforeIso.length && t[23] === 'Z' ? t < beforeIso : Date.parse(t) < +before);
    if (!isInbound && !open) continue;
    // An event without a string visitorId or sessionId gets a session no inbound one joins.
    if (s < 0 || !sameKey(events, s, j, SESSION)) s = firstOf(sessions, events, j, SESSION);
    if (open) flags[s] |= OPEN;
    if (!isInbound) continue;

    const { metric, callId } = events[j];
    const requested = metric.endsWith('requested');
    if (metric.startsWith('inbound_chat')) {
      if (requested) chatRequest[s] ||= j + 1;
      else flags[s] |= CHAT_OVER;
    } else if (typeof callId === 'string') {
      const c = firstOf(calls, events, j, CALL);
      if (!requested) flags[c] |= CALL_DONE;
      else callRequest[c] ||= j + 1;
    }
  }

  const requests: MetricEvent[] = [];
  for (let k = 0; k < n; k++) {
    if (chatRequest[k] && !(flags[k] & (OPEN | CHAT_OVER))) requests.push(events[chatRequest[k] - 1]);
    // The session the call was requested in: its end is what misses the call.
    const request = callRequest[k] - 1;
    if (request >= 0 && !(flags[k] & CALL_DONE) && !(flags[firstOf(sessions, events, request, SESSION)] & OPEN)) {
      requests.push(events[request]);
    }
  }
  return requests;
}
