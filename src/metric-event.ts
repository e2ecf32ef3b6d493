// The wire shape of a metric event (SPEC section 5). Types only: shared by the tracker and
// the aggregation module without pulling code into either.

export type MetricName =
  | 'proactive_call_attempted'
  | 'proactive_call_accepted'
  | 'inbound_call_requested'
  | 'inbound_call_answered'
  | 'inbound_call_missed'
  | 'proactive_chat_attempted'
  | 'proactive_chat_accepted'
  | 'inbound_chat_requested'
  | 'inbound_chat_answered'
  | 'inbound_chat_missed';

/** Why a request ended unanswered. */
export type MissedReason = 'canceled' | 'timeout' | 'ended' | 'session_end';

export interface MetricEvent {
  /** Random UUID; the same across retries, so collectors dedupe by it. */
  id: string;
  metric: MetricName;
  orgId: string;
  visitorId: string;
  sessionId: string;
  /** Only on metrics available for individual users. */
  repId?: string;
  page: string;
  /** Call metrics only. */
  callId?: string;
  /** Chat metrics, when the widget gave one. */
  conversationId?: string;
  /** Missed metrics only. */
  reason?: MissedReason;
  /** ISO 8601. */
  occurredAt: string;
}

/** The JSON body of one POST to the endpoint. */
export interface Batch {
  /** The org's public ingest key, when the tracker has one: in the body, so beacons carry it. */
  key?: string;
  sdk: { name: 'engage-tracker'; version: string };
  sentAt: string;
  events: MetricEvent[];
}
