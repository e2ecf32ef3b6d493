// Access control as the HTTP layer sees it: built once at start from the address and the
// config file, then asked per request. In open mode (no config, loopback) everything passes.
import type { IncomingMessage } from 'node:http';
import type { AccessList } from './access-list.js';
import { loadAccessSource, type AccessSource } from './access-source.js';
import { clientAddress } from './client-address.js';
import { checkIngest, type IngestVerdict } from './ingest-gate.js';
import { accessModeFor, UnsafeListenError, type AccessMode } from './listen-policy.js';
import { createRateLimiter } from './rate-limit.js';
import { authenticate, scopeOrg, type AnyReader, type Verdict } from './read-gate.js';

export interface Access {
  readonly mode: AccessMode;
  /** The key, origin, rate and org checks of one batch; `orgId` undefined in open mode. */
  ingest(req: IncomingMessage, key: unknown, events: readonly { orgId: string }[]): Promise<IngestVerdict | { ok: true; orgId: undefined }>;
  /** The reader of a data route. */
  reader(req: IncomingMessage, query: URLSearchParams): Promise<Verdict<{ reader: AnyReader }>>;
  /** The one org the request reads (see scopeOrg). */
  scope(reader: AnyReader, query: URLSearchParams): Promise<Verdict<{ orgId: string | undefined }>>;
  /** The orgs of the registry, sorted (token mode). */
  orgIds(): Promise<string[]>;
}

/** Throws UnsafeListenError for a non-loopback host without config, before anything opens. */
export async function createAccess(host: string, config: string | undefined, log: (line: string) => void): Promise<Access> {
  const mode = accessModeFor(host, config);
  let source: AccessSource | undefined;
  if (config) {
    try {
      source = await loadAccessSource(config, log);
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new UnsafeListenError(missing ? `no config file at ${config}: create it with engage-collector org add ORG_ID --config ${config}` : (err as Error).message);
    }
  }
  const limiter = createRateLimiter();
  const list = async (): Promise<AccessList | undefined> => source?.current();
  return {
    mode,
    async ingest(req, key, events) {
      const current = await list();
      if (!current) return { ok: true, orgId: undefined };
      const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], current.trustProxy);
      return checkIngest({ key, origin: req.headers.origin, address, events }, current, limiter);
    },
    async reader(req, query) {
      return authenticate({ authorization: req.headers.authorization, query }, mode, await list(), limiter);
    },
    async scope(reader, query) {
      const current = await list();
      return scopeOrg(reader, query.get('orgId'), (orgId) => current?.hasOrg(orgId) ?? false);
    },
    async orgIds() {
      return (await list())?.orgIds() ?? [];
    },
  };
}
