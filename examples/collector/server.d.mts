// Types for server.mjs, which stays plain JavaScript so that `node` runs it as is.
import type { MetricEvent } from '../../src/metric-event';

export interface CollectorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The NDJSON event log: created with its folder if missing, reloaded if present. */
  dataFile: string;
  /** Serve this folder under / and the repo's dist/ under /dist/ (GET only). */
  staticDir?: string;
  /** One line per request and per problem; default silent. */
  log?: (line: string) => void;
}

/** A POST to /v1/engage as the collector saw it. */
export interface ReceivedRequest {
  /** Epoch ms. */
  at: number;
  contentType: string | undefined;
  /** The string ids of the body's events, when it had an events array. */
  ids: string[];
  status: number;
}

export interface Collector {
  /** e.g. http://127.0.0.1:53124 */
  url: string;
  port: number;
  close(): Promise<void>;
  /** A copy of every stored event, in arrival order. */
  events(): MetricEvent[];
  /** Test hook: the next `times` (default 1) POSTs answer `status`, with Retry-After when given, and store nothing. */
  failNext(status: number, options?: { retryAfter?: number; times?: number }): void;
  /** Test hook: every POST to /v1/engage so far. */
  requests(): ReceivedRequest[];
}

export const MAX_BODY_BYTES: number;
export function startCollector(options: CollectorOptions): Promise<Collector>;
