// startCollector(): opens the store (DuckDB file by default, ClickHouse by URL), brings its
// schema up to date, and serves the HTTP API until close().
import type { AddressInfo } from 'node:net';
import { createCommitQueue } from './ingest/commit-queue.js';
import { addRoutes, defaultStaticRoots, type StaticRoots } from './http/routes.js';
import { createRouter, type Router } from './http/router.js';
import { createHttpServer } from './http/server.js';
import { openStore } from './store/open-store.js';

export interface CollectorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** DuckDB file, created if missing; default engage.duckdb in the working directory. */
  db?: string;
  /** A ClickHouse URL (http(s)://user:password@host:8123/database); replaces `db`. */
  clickhouse?: string;
  /** The access-control config file (orgs, keys, tokens). */
  config?: string;
  /** One line per request and per problem; default silent. */
  log?: (line: string) => void;
  /** Where the dashboard, demo and SDK files are served from; default: what this install has. */
  statics?: StaticRoots;
  /** Events waiting for a commit before new batches get 503 (default 50,000). */
  maxQueuedEvents?: number;
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
  const store = await openStore({ db: options.db ?? 'engage.duckdb', clickhouse: options.clickhouse });
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  const queue = createCommitQueue(store, { maxQueuedEvents: options.maxQueuedEvents });
  const router = createRouter();
  options.extend?.(router);
  addRoutes(router, { store, queue, log, statics: options.statics ?? defaultStaticRoots() });
  const server = createHttpServer(router, log);

  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => done());
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
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
