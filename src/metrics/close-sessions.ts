// The missed metrics of sessions that never ended in a browser: the visitor left and never
// came back, so no tracker was there to close the session (SPEC section 4).
import type { MetricEvent } from '../metric-event';

interface SessionState {
  orgId: string;
  /** The latest occurredAt seen, epoch ms; -Infinity while none parsed. */
  lastAt: number;
  /** 0 no inbound chat request, 1 requested and waiting, 2 answered or missed. */
  chat: 0 | 1 | 2;
  chatPage?: string;
}

interface CallState {
  /** The session the call was requested in; its end is what misses the call. */
  session?: SessionState;
  page?: string;
  /** Answered or missed, in whichever session that was seen. */
  done?: boolean;
}

export type MissedMetric = 'inbound_chat_missed' | 'inbound_call_missed';

export interface SessionCloser {
  see(event: MetricEvent): void;
  /** Reports each missed metric that sessions whose last event is before `beforeMs` still owe. */
  close(beforeMs: number, count: (orgId: string, page: string | undefined, metric: MissedMetric) => void): void;
}

const SEP = '\u0000';

export function trackSessions(): SessionCloser {
  const sessions = new Map<string, SessionState>();
  // Keyed by visitor and callId, not session: a call's state outlives its session.
  const calls = new Map<string, CallState>();
  const isClosed = (s: SessionState, beforeMs: number) => s.lastAt > -Infinity && s.lastAt < beforeMs;

  return {
    see(e) {
      const { metric, visitorId } = e;
      if (typeof visitorId !== 'string' || typeof e.sessionId !== 'string') return;
      const visitor = e.orgId + SEP + visitorId;
      const key = visitor + SEP + e.sessionId;
      let s = sessions.get(key);
      if (!s) sessions.set(key, (s = { orgId: e.orgId, lastAt: -Infinity, chat: 0 }));
      const at = Date.parse(e.occurredAt);
      if (at > s.lastAt) s.lastAt = at;

      if (metric === 'inbound_chat_requested') {
        if (!s.chat) (s.chat = 1), (s.chatPage = e.page);
      } else if (metric === 'inbound_chat_answered' || metric === 'inbound_chat_missed') {
        s.chat = 2;
      } else if (metric.startsWith('inbound_call') && typeof e.callId === 'string') {
        const callKey = visitor + SEP + e.callId;
        let call = calls.get(callKey);
        if (!call) calls.set(callKey, (call = {}));
        if (metric !== 'inbound_call_requested') call.done = true;
        else if (!call.session) (call.session = s), (call.page = e.page);
      }
    },

    close(beforeMs, count) {
      for (const s of sessions.values()) {
        if (s.chat === 1 && isClosed(s, beforeMs)) count(s.orgId, s.chatPage, 'inbound_chat_missed');
      }
      for (const call of calls.values()) {
        const s = call.session;
        if (s && !call.done && isClosed(s, beforeMs)) count(s.orgId, call.page, 'inbound_call_missed');
      }
    },
  };
}
