// @vitest-environment node
// A property-based fuzz of POST /v1/engage (issue 18): whatever the body, and whatever key
// comes with it, the collector answers without a 5xx, and stores an event only from a batch
// it answered 200 under a valid key of the event's own org. Needs the build.
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../src/index.js';
import { batch, makeConfig, type TestConfig } from './support/access.js';
import { readStoredRows } from './support/db.js';

const METRICS = ['inbound_chat_requested', 'inbound_call_missed', 'proactive_call_attempted'];

let cfg: TestConfig;
let collector: Collector;
let db: string;
beforeAll(async () => {
  // Limits out of the way: every batch here comes from one address with two keys.
  cfg = await makeConfig({ limits: { ingestPerKey: { perSecond: 1e6, burst: 1e6 }, ingestPerAddress: { perSecond: 1e6, burst: 1e6 } } });
  db = join(cfg.dir, 'fuzz.duckdb');
  collector = await startCollector({ db, config: cfg.config, statics: {} });
});
afterAll(async () => {
  await collector?.close();
});

/** Text that SQL, JSON and C strings each find hard. */
const nastyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom("'; DROP TABLE events; --", '"', '\\', '\u0000', '\ud800', '%00', '../../etc/passwd', '__proto__', ''),
);

const instant = fc.oneof(
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  nastyText,
);

/** Mostly a right value, sometimes a nasty one: enough events pass the shape check to reach the org check. */
const mostly = <T,>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<unknown> = nastyText) => fc.oneof({ arbitrary: right, weight: 6 }, { arbitrary: wrong, weight: 1 });
const word = fc.stringMatching(/^[a-z0-9_-]{1,12}$/);

/** An event that may be right or wrong in any field; ids are unique, to trace what is stored. */
let serial = 0;
const event = fc
  .record(
    {
      metric: mostly(fc.constantFrom(...METRICS.slice(0, 3)), fc.constantFrom('nope', '', 7)),
      orgId: fc.constantFrom('org_1', 'org_1', 'org_2', 'org_2', 'org_3', '', "org_1'--"),
      visitorId: mostly(word),
      sessionId: mostly(word),
      page: nastyText,
      repId: mostly(nastyText, fc.integer()),
      callId: nastyText,
      reason: mostly(fc.constantFrom('timeout', 'canceled'), fc.constantFrom('bogus', null)),
      occurredAt: mostly(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString())),
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['metric', 'orgId', 'visitorId', 'sessionId', 'page', 'occurredAt'] },
  )
  .map((e) => ({ id: `fuzz-${++serial}`, ...e }));

type Body = { key?: unknown; events?: unknown } | unknown;
const key = fc.constantFrom<'org_1' | 'org_2' | 'none' | 'bad' | 'read'>('org_1', 'org_2', 'none', 'bad', 'read');
const body: fc.Arbitrary<{ keyOf: string; body: Body }> = fc.oneof(
  // A batch with a key, its events of any org.
  fc.record({ keyOf: key, events: fc.array(event, { maxLength: 4 }), sentAt: instant }).map(({ keyOf, events, sentAt }) => ({
    keyOf,
    body: batch(keyOf === 'org_1' ? cfg.org1.ingestKey : keyOf === 'org_2' ? cfg.org2.ingestKey : keyOf === 'read' ? cfg.org1.readToken : keyOf === 'bad' ? 'ek_x' : undefined, events, sentAt),
  })),
  // Any JSON at all, sometimes with a good key beside it.
  fc.record({ value: fc.jsonValue(), withKey: fc.boolean() }).map(({ value, withKey }) => ({
    keyOf: 'any',
    body: withKey && value && typeof value === 'object' && !Array.isArray(value) ? { ...value, key: cfg.org1.ingestKey } : value,
  })),
);

describe('POST /v1/engage under fuzzing', () => {
  it('never answers 5xx, and stores only events of 200 batches under their own org key', async () => {
    const allowed = new Set<string>(); // org \0 id of events in batches answered 200
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async ({ keyOf, body }, asText) => {
        const text = asText ? JSON.stringify(body) : JSON.stringify(body).slice(0, Math.max(0, JSON.stringify(body).length - 1));
        const res = await fetch(`${collector.url}/v1/engage`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: text });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        const answer = await res.json();
        if (res.status === 200) {
          expect(keyOf === 'org_1' || keyOf === 'org_2').toBe(true);
          for (const e of (body as { events: { orgId: string; id: string }[] }).events) {
            expect(e.orgId).toBe(keyOf);
            allowed.add(`${e.orgId}\u0000${e.id}`);
          }
        } else {
          expect(answer.error.code).toEqual(expect.any(String));
        }
      }),
      { numRuns: 300, seed: 18 },
    );
    await collector.close();
    const stored = (await readStoredRows(db)).map((r) => `${r.orgId}\u0000${r.id}`);
    expect(stored.filter((k) => !allowed.has(k))).toEqual([]);
    expect(stored).toHaveLength(allowed.size);
    // The fuzz reached past the gates: some batches were stored, and each check refused some.
    expect([200, 400, 401, 403].map((s) => (statuses.get(s) ?? 0) > 0)).toEqual([true, true, true, true]);
  });
});
