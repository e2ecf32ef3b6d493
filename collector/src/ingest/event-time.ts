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

/**
 * `text` with each lone UTF-16 surrogate (a JSON escape such as "\ud800", which no UTF-8 can
 * carry) as U+FFFD. A database stores text as UTF-8: DuckDB's appender replaced them so, its
 * JSON reader refused the whole statement (a resent batch then failed for good), and
 * ClickHouse would keep other bytes again. Done once here, every store keeps the same text.
 */
const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
const wellFormedOrNull = (text: string | undefined) => (text === undefined ? null : wellFormed(text));

/** A checked batch's events as rows to store. */
export function toStoredEvents(events: readonly MetricEvent[], sentAtText: string, receivedAt: number): StoredEvent[] {
  const sentAt = parseInstant(sentAtText);
  return events.map((e) => ({
    orgId: wellFormed(e.orgId),
    id: wellFormed(e.id),
    metric: e.metric,
    visitorId: wellFormed(e.visitorId),
    sessionId: wellFormed(e.sessionId),
    repId: wellFormedOrNull(e.repId),
    page: wellFormed(e.page),
    callId: wellFormedOrNull(e.callId),
    conversationId: wellFormedOrNull(e.conversationId),
    reason: e.reason ?? null,
    occurredAt: correctedTime(Date.parse(e.occurredAt), sentAt, receivedAt),
    clientOccurredAt: e.occurredAt,
    clientSentAt: sentAtText,
    receivedAt,
  }));
}
