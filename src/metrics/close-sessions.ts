// The missed metrics of sessions that never ended in a browser: the visitor left and never
// came back, so no tracker was there to close the session (SPEC section 4).
import type { MetricEvent } from '../metric-event';

interface Owned {
  orgId: string;
  visitorId: string;
}

interface SessionState extends Owned {
  /** Some event is at or after the instant, or has no readable time: not closed. */
  open?: boolean;
  /** 1 inbound chat requested and waiting, 2 answered or missed. */
  chat?: 1 | 2;
  chatPage?: string;
}

interface CallState extends Owned {
  /** The session the call was requested in: its end is what misses the call. */
  session?: SessionState;
  page?: string;
  /** Answered or missed, in whichever session that was seen. */
  done?: boolean;
}

export type MissedMetric = 'inbound_chat_missed' | 'inbound_call_missed';

export interface SessionCloser {
  see(event: MetricEvent): void;
  /** Reports each missed metric that the closed sessions still owe. */
  close(count: (orgId: string, page: string, metric: MissedMetric) => void): void;
}

/**
 * Records keyed by an id that is random per visitor (sessionId, callId). Keying by the id
 * alone avoids building a string per event; an id shared by two visitors falls back to a
 * key that names the visitor.
 */
function perVisitor<T extends Owned>() {
  const byId = new Map<string, T>();
  const clashes = new Map<string, T>();
  const all: T[] = [];
  const get = (e: MetricEvent, id: string): T => {
    const { orgId, visitorId } = e;
    let map = byId;
    let key = id;
    let entry = byId.get(id);
    if (entry && (entry.orgId !== orgId || entry.visitorId !== visitorId)) {
      map = clashes;
      entry = clashes.get((key = `${orgId}\u0000${visitorId}\u0000${id}`));
    }
    if (!entry) map.set(key, (entry = { orgId, visitorId } as T)), all.push(entry);
    return entry;
  };
  return { all, get };
}

export function trackSessions(beforeMs: number): SessionCloser {
  const sessions = perVisitor<SessionState>();
  // A call's state outlives its session: one record per visitor and callId.
  const calls = perVisitor<CallState>();

  return {
    see(e) {
      const { metric, sessionId, callId } = e;
      if (typeof e.visitorId !== 'string' || typeof sessionId !== 'string') return;
      const s = sessions.get(e, sessionId);
      // Date.parse is the costly part: once a session is known open, skip it.
      if (!s.open) s.open = !(Date.parse(e.occurredAt) < beforeMs);

      if (metric === 'inbound_chat_requested') {
        if (!s.chat) (s.chat = 1), (s.chatPage = e.page);
      } else if (metric === 'inbound_chat_answered' || metric === 'inbound_chat_missed') {
        s.chat = 2;
      } else if (metric.startsWith('inbound_call') && typeof callId === 'string') {
        const call = calls.get(e, callId);
        if (metric !== 'inbound_call_requested') call.done = true;
        else if (!call.session) (call.session = s), (call.page = e.page);
      }
    },

    close(count) {
      for (const s of sessions.all) {
        if (s.chat === 1 && !s.open) count(s.orgId, s.chatPage!, 'inbound_chat_missed');
      }
      for (const call of calls.all) {
        const s = call.session;
        if (s && !call.done && !s.open) count(s.orgId, call.page!, 'inbound_call_missed');
      }
    },
  };
}
