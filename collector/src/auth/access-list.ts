// The registry compiled for the server's questions: which org does this ingest key route to,
// whom does this bearer token belong to. Built once per version of the file.
import { hashToken, kindOf, sameHash } from './secrets.js';
import { DEFAULT_LIMITS, type Limits, type Registry } from './registry.js';

/** Who is reading: one org (a read token) or every org (an admin token). */
export type Reader = { kind: 'read'; orgId: string } | { kind: 'admin' };

export interface IngestGrant {
  orgId: string;
  /** Allowed origins; empty: any. */
  origins: readonly string[];
}

export interface AccessList {
  /** The org an ingest key routes to at `now`; undefined for an unknown, expired or wrong-kind key. */
  ingestKey(key: unknown, now: number): IngestGrant | undefined;
  /** The reader a bearer token stands for; undefined for an unknown or revoked one. */
  reader(token: string): Reader | undefined;
  hasOrg(orgId: string): boolean;
  orgIds(): string[];
  limits: Limits;
  trustProxy: boolean;
}

export function compileAccessList(registry: Registry): AccessList {
  const keys = new Map<string, { grant: IngestGrant; expiresAt: number }>();
  const tokens: { hash: string; reader: Reader }[] = [];
  for (const [orgId, org] of Object.entries(registry.orgs)) {
    const grant: IngestGrant = { orgId, origins: [...org.origins] };
    for (const k of org.ingestKeys) keys.set(k.key, { grant, expiresAt: k.expiresAt === undefined ? Infinity : Date.parse(k.expiresAt) });
    for (const t of org.readTokens) tokens.push({ hash: t.hash, reader: { kind: 'read', orgId } });
  }
  for (const t of registry.adminTokens) tokens.push({ hash: t.hash, reader: { kind: 'admin' } });
  const orgIds = Object.keys(registry.orgs).sort();
  return {
    ingestKey(key, now) {
      // The ingest key is public: a map lookup is fine (its timing reveals nothing secret).
      if (typeof key !== 'string' || kindOf(key) !== 'ingest') return undefined;
      const found = keys.get(key);
      return found && now < found.expiresAt ? found.grant : undefined;
    },
    reader(token) {
      const kind = kindOf(token);
      if (kind !== 'read' && kind !== 'admin') return undefined;
      const hash = hashToken(token);
      // Every stored hash is compared, in constant time, whatever matched before.
      let match: Reader | undefined;
      for (const t of tokens) if (sameHash(t.hash, hash) && t.reader.kind === kind) match = t.reader;
      return match;
    },
    hasOrg: (orgId) => Object.hasOwn(registry.orgs, orgId),
    orgIds: () => [...orgIds],
    limits: { ...DEFAULT_LIMITS, ...registry.limits },
    trustProxy: registry.trustProxy === true,
  };
}
