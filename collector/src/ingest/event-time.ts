// The time an event is counted at. A visitor's clock can be off by hours (or years); the
// batch says when that clock thought it was sent, so the error is (received - sentAt), and
// every event of the batch is moved by it. What still lies more than 5 minutes ahead of the
// collector's clock is put at the receive time. Nothing is refused for being old: the SDK
// keeps events offline for as long as the browser keeps its storage.
import type { MetricEvent } from 'engage-tracker/metrics';
import type { StoredEvent } from '../store/metric-store.js';
import { parseInstant } from '../query/spec.js';

export const MAX_FUTURE_MS = 5 * 60_000;

/** Epoch ms an event is counted at. `sentAt`: the batch's, undefined when missing or unreadable. */
export function correctedTime(occurredAt: number, sentAt: number | undefined, receivedAt: number): number {
  const corrected = sentAt === undefined ? occurredAt : occurredAt + (receivedAt - sentAt);
  return corrected > receivedAt + MAX_FUTURE_MS ? receivedAt : corrected;
}

/** A checked batch's events as rows to store. */
export function toStoredEvents(events: readonly MetricEvent[], sentAtText: string, receivedAt: number): StoredEvent[] {
  const sentAt = parseInstant(sentAtText);
  return events.map((e) => ({
    orgId: e.orgId,
    id: e.id,
    metric: e.metric,
    visitorId: e.visitorId,
    sessionId: e.sessionId,
    repId: e.repId ?? null,
    page: e.page,
    callId: e.callId ?? null,
    conversationId: e.conversationId ?? null,
    reason: e.reason ?? null,
    occurredAt: correctedTime(Date.parse(e.occurredAt), sentAt, receivedAt),
    clientOccurredAt: e.occurredAt,
    clientSentAt: sentAtText,
    receivedAt,
  }));
}
