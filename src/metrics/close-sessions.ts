// The missed metrics of sessions that never ended in a browser: the visitor left and never
// came back, so no tracker was there to close the session (SPEC section 4). A session or a
// call is known by the index of its first event, and its state is a few bits of `kept` at
// that index: no object per session or call. One pass over the events, besides the counting.
import type { MetricEvent } from '../metric-event';
import { CALL, createTable, firstOf, SESSION, sameKey, type Table } from './keys';

/** Bits of `kept[j]`. Event j is valid and the first with its id; also inbound, with a session. */
export const KEPT = 1;
export const INBOUND = 2;
// At a session's first event.
const OPEN = 4; // an event at or after the instant, or one with no readable time: not over
const CHAT_OVER = 8; // its inbound chat was answered or missed
const CHAT_ASKED = 32; // its first inbound chat request is known
// At a call's first event.
const CALL_OVER = 16; // answered or missed

const isChat = (e: MetricEvent) => e.metric.startsWith('inbound_chat');

/**
 * The inbound chat and call requests left unanswered by sessions over before `before`: each
 * one owes a missed metric. Only sessions with inbound events can owe one, and only events at
 * or after the instant can keep one open: the other events are passed over. `sessions`: an
 * empty table for `events.length` keys.
 */
export function unansweredRequests(
  events: readonly MetricEvent[],
  kept: Uint8Array,
  before: Date,
  sessions: Table,
): MetricEvent[] {
  const n = events.length;
  const beforeIso = before.toISOString(); // throws on an invalid Date: no instant, no closing
  // A call's state outlives its session: keyed by visitor and callId, not by session.
  const calls = createTable(n);
  // [event, session] of each session's first chat request and each call's first request: the
  // only requests that can owe a miss, settled once every outcome is known. A typed array, as
  // a growing array of a million numbers costs far more than its copies.
  const asked = new Int32Array(2 * n);
  let a = 0;
  let s = -1; // a session's events tend to come together: the previous one is tried first

  for (let j = 0; j < n; j++) {
    if (!kept[j]) continue;
    const isInbound = kept[j] & INBOUND;
    const e = events[j];
    const t = e.occurredAt;
    // What toISOString writes (so what the SDK sends: 24 characters, Z last) compares as
    // text, far cheaper than Date.parse. No readable time: not over either.
    const open = !(t?.length === beforeIso.length && t[23] === 'Z' ? t < beforeIso : Date.parse(t) < +before);
    if (!isInbound && !open) continue;
    // An event without a string visitorId or sessionId gets a session no inbound one joins.
    if (s < 0 || !sameKey(events, s, j, SESSION)) s = firstOf(sessions, events, j, SESSION);
    if (open) kept[s] |= OPEN;
    if (!isInbound) continue;
    const chat = isChat(e);
    // A call's first event holds its state: a request that is not its first one owes nothing,
    // as an earlier request or outcome settles the call.
    const call = !chat && typeof e.callId === 'string' ? firstOf(calls, events, j, CALL) : -1;
    // A call outcome without a string callId has no call (-1): a typed array ignores that write.
    if (!e.metric.endsWith('requested')) kept[chat ? s : call] |= chat ? CHAT_OVER : CALL_OVER;
    else if (chat ? !(kept[s] & CHAT_ASKED) : call === j) {
      if (chat) kept[s] |= CHAT_ASKED;
      asked[a++] = j;
      asked[a++] = s;
    }
  }

  // Those of the first requests whose session is over, with no outcome.
  const requests: MetricEvent[] = [];
  for (let r = 0; r < a; r += 2) {
    const j = asked[r];
    const s = asked[r + 1];
    const chat = isChat(events[j]);
    if (!(kept[s] & OPEN) && !(kept[chat ? s : j] & (chat ? CHAT_OVER : CALL_OVER))) requests.push(events[j]);
  }
  return requests;
}
