// What the collector needs from a database, whichever it is. The HTTP layer and the ingest
// queue speak only this interface; duckdb/ and clickhouse/ implement it thinly over SQL files.
import type { MetricQuerySpec, MetricRow } from '../query/spec.js';

/** One metric event as stored: the wire event plus the times the collector adds. */
export interface StoredEvent {
  orgId: string;
  id: string;
  metric: string;
  visitorId: string;
  sessionId: string;
  repId: string | null;
  page: string;
  callId: string | null;
  conversationId: string | null;
  reason: string | null;
  /** Epoch ms: the time every query uses (see ingest/event-time.ts). */
  occurredAt: number;
  /** The event's occurredAt as the client sent it. */
  clientOccurredAt: string;
  /** The batch's sentAt as the client sent it. */
  clientSentAt: string | null;
  /** Epoch ms. */
  receivedAt: number;
}

export interface InsertResult {
  /** Events of the batch written by this insert. */
  stored: number;
  /** Events of the batch already stored (or earlier in the same group), skipped. */
  duplicates: number;
}

export interface StoreHealth {
  ok: boolean;
  /** Why not, for the log; never sent to clients. */
  problem?: string;
}

export interface MetricStore {
  /** Creates or upgrades the schema: applies the migration files not yet recorded. */
  migrate(): Promise<void>;
  /**
   * Stores several batches in one transaction and resolves once it is committed; a rejection
   * means none of them is stored. Dedupes on (orgId, id), the first copy wins.
   */
  insert(batches: readonly (readonly StoredEvent[])[]): Promise<InsertResult[]>;
  /** The metric table a query spec asks for, rows sorted as the contract says. */
  metrics(spec: MetricQuerySpec): Promise<MetricRow[]>;
  /** The org ids that have events, sorted. */
  orgs(): Promise<string[]>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** A store failure the client should retry later: answered 503 with Retry-After. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/**
 * Wraps an engine's operations the same way: refused once the store is closed, and any
 * failure that is not a StoreUnavailableError already becomes one (a 503), named after the
 * engine and keeping its cause.
 */
export function storeGuard(engine: string, isClosed: () => boolean) {
  return <A extends unknown[], T>(fn: (...args: A) => Promise<T>) =>
    async (...args: A): Promise<T> => {
      if (isClosed()) throw new StoreUnavailableError('the store is closed');
      try {
        return await fn(...args);
      } catch (err) {
        throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`${engine}: ${(err as Error)?.message ?? err}`, { cause: err });
      }
    };
}

/** A store's health: closed, or whether `probe` (a query that reads nothing) answers. */
export async function probeHealth(closed: boolean, probe: () => Promise<unknown>): Promise<StoreHealth> {
  if (closed) return { ok: false, problem: 'closed' };
  try {
    await probe();
    return { ok: true };
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
}
