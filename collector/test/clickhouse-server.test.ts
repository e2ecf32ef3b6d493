// @vitest-environment node
// The ClickHouse server path (@clickhouse/client), against the server CLICKHOUSE_URL names.
// Without it this test is skipped, and the report says so. The SQL itself runs on every
// `npm test` on chDB (differential.test.ts).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startCollector } from '../src/index.js';

const url = process.env.CLICKHOUSE_URL;
if (!url) console.log('[clickhouse-server] NOT RUN: set CLICKHOUSE_URL (e.g. http://default:@localhost:8123/default) to test the ClickHouse server path');

describe.skipIf(!url)(`the collector on a ClickHouse server (CLICKHOUSE_URL ${url ? 'set' : 'not set: not run'})`, () => {
  it('migrates, stores a batch once, and serves its counts', { timeout: 60_000 }, async () => {
    const c = await startCollector({ clickhouse: url });
    try {
      const orgId = `org_test_${randomUUID()}`;
      const now = new Date().toISOString();
      const events = [
        { id: randomUUID(), metric: 'inbound_call_requested', orgId, visitorId: 'v', sessionId: 's', page: '/p', callId: 'c1', occurredAt: now },
        { id: randomUUID(), metric: 'inbound_call_answered', orgId, visitorId: 'v', sessionId: 's', page: '/p', callId: 'c1', repId: 'r', occurredAt: now },
      ];
      const body = JSON.stringify({ sdk: { name: 'engage-tracker', version: '0.1.0' }, sentAt: now, events });
      const post = () => fetch(`${c.url}/v1/engage`, { method: 'POST', body });
      expect(await (await post()).json()).toEqual({ stored: 2, duplicates: 0 });
      expect(await (await post()).json()).toEqual({ stored: 0, duplicates: 2 });
      const rows = await (await fetch(`${c.url}/v1/metrics?by=org&orgId=${orgId}&bucket=day&tz=Europe/Berlin`)).json();
      expect(rows).toHaveLength(1);
      expect(rows[0].counts).toMatchObject({ inbound_call_requested: 1, inbound_call_answered: 1, calls_held: 1 });
    } finally {
      await c.close();
    }
  });
});
