// startCollector(): opens the store (DuckDB file by default, ClickHouse by URL), brings its
// schema up to date, and serves the HTTP API until close().
import type { AddressInfo } from 'node:net';
import { createCommitQueue } from './ingest/commit-queue.js';
import { addRoutes, defaultStaticRoots, type StaticRoots } from './http/routes.js';
import { createRouter, type Router } from './http/router.js';
import { createHttpServer } from './http/server.js';
import type { MetricStore } from './store/metric-store.js';
import { openStore } from './store/open-store.js';
import { createAccess } from './auth/access.js';
import { isLoopbackHostHeader, OPEN_MODE_NOTICE } from './auth/listen-policy.js';
import { createCollectorMetrics } from './ops/prometheus.js';

export interface CollectorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** DuckDB file, created if missing; default engage.duckdb in the working directory. */
  db?: string;
  /** A ClickHouse URL (http(s)://user:password@host:8123/database); replaces `db`. */
  clickhouse?: string;
  /** DuckDB worker threads (default 1, see README "Collector"). */
  threads?: number;
  /** The access-control config file (orgs, keys, tokens). */
  config?: string;
  /** One line per request and per problem; default silent. */
  log?: (line: string) => void;
  /** Where the dashboard, demo and SDK files are served from; default: what this install has. */
  statics?: StaticRoots;
  /** Events waiting for a commit before new batches get 503 (default 50,000). */
  maxQueuedEvents?: number;
  /** A store of your own (or a wrapped one) instead of opening `db`/`clickhouse`; closed by close(). */
  store?: MetricStore;
  /** Extra routes or middleware, added before the built-in ones. */
  extend?: (router: Router) => void;
}

export interface Collector {
  /** e.g. http://127.0.0.1:53124 */
  url: string;
  port: number;
  /** Stops accepting, commits what is in flight, closes the store. */
  close(): Promise<void>;
}

export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const log = options.log ?? (() => {});
  const host = options.host ?? '127.0.0.1';
  // Before anything opens: no config on a public address is refused (UnsafeListenError).
  const access = await createAccess(host, options.config, log);
  const store = options.store ?? (await openStore({ db: options.db ?? 'engage.duckdb', clickhouse: options.clickhouse, threads: options.threads }));
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  const queue = createCommitQueue(store, { maxQueuedEvents: options.maxQueuedEvents });
  const router = createRouter();
  options.extend?.(router);
  addRoutes(router, { store, queue, log, statics: options.statics ?? defaultStaticRoots(), access, metrics: createCollectorMetrics() });
  const server = createHttpServer(router, log, { acceptsHost: access.mode === 'open' ? isLoopbackHostHeader : undefined });

  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 0, host, () => done());
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (access.mode === 'open') log(OPEN_MODE_NOTICE);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((done) => server.close(() => done()));
        server.closeIdleConnections();
        await queue.drain();
        server.closeAllConnections();
        await stopped;
        await store.close();
      })();
      return closing;
    },
  };
}
