// The missed metrics of sessions that never ended in a browser: the visitor left and never
// came back, so no tracker was there to close the session (SPEC section 4). A session or a
// call is known by the index of its first event, and its state lives in typed arrays at that
// index: no object per session.
import type { MetricEvent } from '../metric-event';
import { createFirstOf } from './keys';

export type MissedMetric = 'inbound_chat_missed' | 'inbound_call_missed';

export interface SessionCloser {
  /** `j`: the event's index in `events`. */
  see(e: MetricEvent, j: number): void;
  /** Reports each missed metric the closed sessions still owe, with the request it misses. */
  close(count: (request: MetricEvent, metric: MissedMetric) => void): void;
}

const OPEN = 1; // an event at or after the instant, or one with no readable time: not closed
const CHAT_OVER = 2; // the inbound chat was answered or missed
const CALL_DONE = 4; // the call was answered or missed

export function trackSessions(events: readonly MetricEvent[], before: Date): SessionCloser {
  const n = events.length;
  const sameVisitor = (k: number, j: number) =>
    events[k].orgId === events[j].orgId && events[k].visitorId === events[j].visitorId;
  const sameSession = (k: number, j: number) => sameVisitor(k, j) && events[k].sessionId === events[j].sessionId;
  const sessionOf = createFirstOf(n, sameSession);
  // A call's state outlives its session: keyed by visitor and callId, not by session.
  const callOf = createFirstOf(n, (k, j) => sameVisitor(k, j) && events[k].callId === events[j].callId);
  // Sessions and calls share it: each has its own bits.
  const flags = new Uint8Array(n);
  // 1 + the index of the requesting event (its page is the missed metric's); 0 = none.
  // Separate arrays, since a session's first event may also be a call's.
  const chatRequest = new Int32Array(n);
  const callRequest = new Int32Array(n);
  /** 1 + the session the call was requested in: that session's end misses the call. */
  const callSession = new Int32Array(n);
  // What toISOString writes (so what the SDK sends) compares as text: far cheaper than Date.parse.
  const beforeMs = before.getTime();
  const beforeIso = before.toISOString(); // throws on an invalid Date: no instant, no closing
  const isBefore = (t: string) =>
    t?.length === 24 && t[23] === 'Z' && beforeIso.length === 24 ? t < beforeIso : Date.parse(t) < beforeMs;
  let s = -1; // a session's events tend to come together: the previous one is tried first

  return {
    see(e, j) {
      const { metric, orgId, visitorId, callId } = e;
      if (typeof visitorId !== 'string' || typeof e.sessionId !== 'string') return;
      if (s < 0 || !sameSession(s, j)) s = sessionOf(j, orgId, visitorId, e.sessionId);
      if (!(flags[s] & OPEN) && !isBefore(e.occurredAt)) flags[s] |= OPEN;

      if (metric === 'inbound_chat_requested') {
        chatRequest[s] ||= j + 1;
      } else if (metric === 'inbound_chat_answered' || metric === 'inbound_chat_missed') {
        flags[s] |= CHAT_OVER;
      } else if (metric.startsWith('inbound_call') && typeof callId === 'string') {
        const c = callOf(j, orgId, visitorId, callId);
        if (metric !== 'inbound_call_requested') flags[c] |= CALL_DONE;
        else if (!callRequest[c]) (callRequest[c] = j + 1), (callSession[c] = s + 1);
      }
    },

    close(count) {
      for (let k = 0; k < n; k++) {
        if (chatRequest[k] && !(flags[k] & (OPEN | CHAT_OVER))) count(events[chatRequest[k] - 1], 'inbound_chat_missed');
        if (callRequest[k] && !(flags[k] & CALL_DONE) && !(flags[callSession[k] - 1] & OPEN)) {
          count(events[callRequest[k] - 1], 'inbound_call_missed');
        }
      }
    },
  };
}
