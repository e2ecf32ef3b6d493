// The fast way into DuckDB's events table: an appender, one call per value, no SQL to parse.
// The table's key refuses the whole append when an event is stored already (the caller rolls
// back and goes the slower way, insert-events.sql).
import { timestampTZValue, type DuckDBConnection } from '@duckdb/node-api';
import type { StoredEvent } from '../metric-store.js';

/** The events table's columns, in the order append() writes them (checked at start). */
export const APPENDED_COLUMNS = ['org_id', 'id', 'metric', 'visitor_id', 'session_id', 'rep_id', 'page', 'call_id', 'conversation_id', 'reason', 'occurred_at', 'client_occurred_at', 'client_sent_at', 'received_at'];

/** Appends `rows` to events; throws (the transaction must roll back) when a key is stored already. */
export async function append(connection: DuckDBConnection, rows: readonly StoredEvent[]) {
  const appender = await connection.createAppender('events');
  try {
    const text = (value: string | null) => (value === null ? appender.appendNull() : appender.appendVarchar(value));
    for (const e of rows) {
      text(e.orgId);
      text(e.id);
      text(e.metric);
      text(e.visitorId);
      text(e.sessionId);
      text(e.repId);
      text(e.page);
      text(e.callId);
      text(e.conversationId);
      text(e.reason);
      appender.appendTimestampTZ(timestampTZValue(BigInt(e.occurredAt) * 1000n));
      text(e.clientOccurredAt);
      text(e.clientSentAt);
      appender.appendTimestampTZ(timestampTZValue(BigInt(e.receivedAt) * 1000n));
      appender.endRow();
    }
    appender.flushSync();
  } catch (err) {
    // The refused rows stay in the appender, and closing it (or the garbage collector,
    // later) would flush them again, into whichever transaction is open then: a later
    // group's, which then silently kept nothing. Drop them first.
    appender.clear();
    throw err;
  } finally {
    appender.closeSync();
  }
}
