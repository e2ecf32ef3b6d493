// The registry: orgs, their ingest keys, allowed origins and read tokens, and the admin tokens.
// It lives in one JSON file an operator can read (registry-file.ts); this module is its shape,
// its checks and the changes the command line makes, with no I/O.
import { hashToken, newSecret, SECRET_PREFIX } from './secrets.js';

export interface IngestKeyRecord {
  /** Public by nature (it ships in the widget), so kept as is: the operator can look it up. */
  key: string;
  createdAt: string;
  /** Set by a rotation: the key stops working at this instant. */
  expiresAt?: string;
}

export interface TokenRecord {
  /** `sha256:<hex>` of the token; the token itself is shown once and never stored. */
  hash: string;
  createdAt: string;
}

export interface OrgRecord {
  /** Origins allowed to post with the org's key; empty: any origin. */
  origins: string[];
  ingestKeys: IngestKeyRecord[];
  readTokens: TokenRecord[];
}

/** A token bucket: `perSecond` refill, up to `burst` at once. */
export interface BucketLimit {
  perSecond: number;
  burst: number;
}

export interface Limits {
  /** Ingest requests per org key. */
  ingestPerKey: BucketLimit;
  /** Ingest requests per client address, whatever the key. */
  ingestPerAddress: BucketLimit;
  /** Read requests per token. */
  readPerToken: BucketLimit;
}

export interface Registry {
  version: 1;
  orgs: Record<string, OrgRecord>;
  adminTokens: TokenRecord[];
  /** Overrides of DEFAULT_LIMITS. */
  limits?: Partial<Limits>;
  /**
   * Behind a reverse proxy: take the client address from the last X-Forwarded-For entry (the
   * one the proxy added) instead of the connection's. Only when the proxy is the sole way in.
   */
  trustProxy?: boolean;
}

/**
 * A busy site's visitors share its key: 200 batches a second, bursts of 1,000. One visitor
 * sends a batch every few seconds at most: 20 a second per address leaves room for an office
 * behind one NAT address.
 */
export const DEFAULT_LIMITS: Limits = {
  ingestPerKey: { perSecond: 200, burst: 1_000 },
  ingestPerAddress: { perSecond: 20, burst: 100 },
  readPerToken: { perSecond: 10, burst: 60 },
};

/** A problem with what the operator asked or with the file's content; the message says which. */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

/**
 * The org map has no prototype: an org id is the customer's own string, and `__proto__` as a
 * key of a plain object would set its prototype instead of adding an org.
 */
const orgMap = (): Record<string, OrgRecord> => Object.create(null) as Record<string, OrgRecord>;

export const emptyRegistry = (): Registry => ({ version: 1, orgs: orgMap(), adminTokens: [] });

/** Org ids as the SDK takes them: 1 to 256 characters, not blank, and no control characters. */
export const isOrgId = (value: unknown): value is string =>
  typeof value === 'string' && value.length <= 256 && value.trim() !== '' && !/[\u0000-\u001f\u007f]/.test(value);

/** "https://shop.example" for "https://shop.example/" or the same origin; undefined otherwise. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    const bare = parsed.pathname === '/' && !parsed.search && !parsed.hash && !parsed.username && !parsed.password;
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && bare ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

const orgOf = (registry: Registry, orgId: string): OrgRecord => {
  const org = Object.hasOwn(registry.orgs, orgId) ? registry.orgs[orgId] : undefined;
  if (!org) throw new RegistryError(`no org ${JSON.stringify(orgId)} in the config (engage-collector org add ${orgId})`);
  return org;
};

const checkedOrigin = (url: string): string => {
  const origin = originOf(url);
  if (!origin) throw new RegistryError(`${JSON.stringify(url)} is not an origin: give scheme, host and port only, like https://shop.example`);
  return origin;
};

/** Creates an org with an ingest key and a read token (both returned: shown once). */
export function addOrg(registry: Registry, orgId: string, origins: string[], now: Date): { ingestKey: string; readToken: string } {
  if (!isOrgId(orgId)) throw new RegistryError(`org id ${JSON.stringify(orgId)}: 1 to 256 characters, not blank, no control characters`);
  if (Object.hasOwn(registry.orgs, orgId)) throw new RegistryError(`org ${JSON.stringify(orgId)} exists already`);
  const ingestKey = newSecret('ingest');
  const readToken = newSecret('read');
  registry.orgs[orgId] = {
    origins: [...new Set(origins.map(checkedOrigin))],
    ingestKeys: [{ key: ingestKey, createdAt: now.toISOString() }],
    readTokens: [{ hash: hashToken(readToken), createdAt: now.toISOString() }],
  };
  return { ingestKey, readToken };
}

export function createAdminToken(registry: Registry, now: Date): string {
  const adminToken = newSecret('admin');
  registry.adminTokens.push({ hash: hashToken(adminToken), createdAt: now.toISOString() });
  return adminToken;
}

/**
 * A new ingest key; every older key still working stops at now + grace (or earlier, if an
 * earlier rotation said so). Sites keep working while they switch to the new key.
 */
export function rotateKey(registry: Registry, orgId: string, graceMs: number, now: Date): string {
  const org = orgOf(registry, orgId);
  const end = now.getTime() + graceMs;
  for (const record of org.ingestKeys) {
    if (record.expiresAt === undefined || Date.parse(record.expiresAt) > end) record.expiresAt = new Date(end).toISOString();
  }
  const ingestKey = newSecret('ingest');
  org.ingestKeys.push({ key: ingestKey, createdAt: now.toISOString() });
  // Keys that ended long ago only make the file longer.
  org.ingestKeys = org.ingestKeys.filter((r) => r.expiresAt === undefined || Date.parse(r.expiresAt) > now.getTime() - 30 * 86_400_000);
  return ingestKey;
}

export function addReadToken(registry: Registry, orgId: string, now: Date): string {
  const org = orgOf(registry, orgId);
  const readToken = newSecret('read');
  org.readTokens.push({ hash: hashToken(readToken), createdAt: now.toISOString() });
  return readToken;
}

/**
 * Revokes a read token of the org, given the token or the hash the file shows for it (an
 * operator who lost a token can still revoke it). False when the org has no such token.
 */
export function revokeReadToken(registry: Registry, orgId: string, tokenOrHash: string): boolean {
  const org = orgOf(registry, orgId);
  const hash = tokenOrHash.startsWith('sha256:') ? tokenOrHash : hashToken(tokenOrHash);
  const before = org.readTokens.length;
  org.readTokens = org.readTokens.filter((t) => t.hash !== hash);
  return org.readTokens.length < before;
}

/** Adds an allowed origin; false when it was there already. */
export function addOrigin(registry: Registry, orgId: string, url: string): boolean {
  const org = orgOf(registry, orgId);
  const origin = checkedOrigin(url);
  if (org.origins.includes(origin)) return false;
  org.origins.push(origin);
  return true;
}

/** Removes an allowed origin; false when it was not there. With none left, any origin may post. */
export function removeOrigin(registry: Registry, orgId: string, url: string): boolean {
  const org = orgOf(registry, orgId);
  const origin = originOf(url) ?? url;
  const before = org.origins.length;
  org.origins = org.origins.filter((o) => o !== origin);
  return org.origins.length < before;
}

/**
 * Checks a parsed config file (perhaps edited by hand) and returns it typed; the error names
 * the place in the file, like `orgs["org_1"].ingestKeys[0].expiresAt`.
 */
export function checkRegistry(data: unknown): Registry {
  const fail = (where: string, rule: string): never => {
    throw new RegistryError(`${where}: ${rule}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const instant = (v: unknown, where: string) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : fail(where, 'must be an ISO date-time'));
  const tokens = (v: unknown, where: string): TokenRecord[] =>
    (Array.isArray(v) ? v : fail(where, 'must be an array')).map((t: unknown, i: number) => {
      if (!isObject(t) || typeof t.hash !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(t.hash)) fail(`${where}[${i}].hash`, 'must be "sha256:" and 64 hex digits');
      const record = t as Record<string, unknown>;
      return { hash: record.hash as string, createdAt: instant(record.createdAt, `${where}[${i}].createdAt`) };
    });
  if (!isObject(data)) return fail('the config', 'must be a JSON object');
  if (data.version !== 1) fail('version', 'must be 1');
  if (!isObject(data.orgs)) fail('orgs', 'must be an object of org id → org');
  const registry: Registry = { version: 1, orgs: orgMap(), adminTokens: tokens(data.adminTokens ?? [], 'adminTokens') };
  const keyOwners = new Map<string, string>();
  for (const [orgId, org] of Object.entries(data.orgs as Record<string, unknown>)) {
    const where = `orgs[${JSON.stringify(orgId)}]`;
    if (!isOrgId(orgId)) fail(where, 'org id: 1 to 256 characters, not blank, no control characters');
    if (!isObject(org)) fail(where, 'must be an object');
    const o = org as Record<string, unknown>;
    const origins = (Array.isArray(o.origins ?? []) ? ((o.origins ?? []) as unknown[]) : fail(`${where}.origins`, 'must be an array')).map((u, i) =>
      typeof u === 'string' && originOf(u) === u ? u : fail(`${where}.origins[${i}]`, 'must be an origin like https://shop.example'),
    );
    const ingestKeys = (Array.isArray(o.ingestKeys) ? o.ingestKeys : fail(`${where}.ingestKeys`, 'must be an array')).map((k: unknown, i: number) => {
      const at = `${where}.ingestKeys[${i}]`;
      if (!isObject(k) || typeof k.key !== 'string' || !k.key.startsWith(SECRET_PREFIX.ingest) || k.key.length < 20) fail(`${at}.key`, `must be a key starting with ${SECRET_PREFIX.ingest}`);
      const record = k as Record<string, unknown>;
      const key = record.key as string;
      if (keyOwners.has(key)) fail(`${at}.key`, `is also a key of org ${JSON.stringify(keyOwners.get(key))}`);
      keyOwners.set(key, orgId);
      const out: IngestKeyRecord = { key, createdAt: instant(record.createdAt, `${at}.createdAt`) };
      if (record.expiresAt !== undefined) out.expiresAt = instant(record.expiresAt, `${at}.expiresAt`);
      return out;
    });
    registry.orgs[orgId] = { origins, ingestKeys, readTokens: tokens(o.readTokens ?? [], `${where}.readTokens`) };
  }
  if (data.limits !== undefined) registry.limits = checkLimits(data.limits, fail, isObject);
  if (data.trustProxy !== undefined) registry.trustProxy = data.trustProxy === true ? true : data.trustProxy === false ? false : fail('trustProxy', 'must be true or false');
  return registry;
}

function checkLimits(v: unknown, fail: (where: string, rule: string) => never, isObject: (v: unknown) => v is Record<string, unknown>): Partial<Limits> {
  if (!isObject(v)) return fail('limits', 'must be an object');
  const limits: Partial<Limits> = {};
  for (const [name, bucket] of Object.entries(v)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, name)) fail(`limits.${name}`, `unknown; one of ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    const ok = isObject(bucket) && typeof bucket.perSecond === 'number' && bucket.perSecond > 0 && Number.isInteger(bucket.burst) && (bucket.burst as number) >= 1;
    if (!ok) fail(`limits.${name}`, 'must be { "perSecond": a number > 0, "burst": an integer >= 1 }');
    limits[name as keyof Limits] = { perSecond: (bucket as Record<string, number>).perSecond, burst: (bucket as Record<string, number>).burst };
  }
  return limits;
}
