// @vitest-environment node
// A day the calendar does not have (30 February, 31 April, 29 February of a common year) is a
// bad instant: GET /v1/metrics answers 400 naming the parameter, and aggregate() throws a
// TypeError naming the option, where Date.parse alone would roll it over into March or May.
// Needs the build (`npm run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate } from 'engage-tracker/metrics';
import { startCollector, type Collector } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'engage-impossible-dates-'));
let collector: Collector;
beforeAll(async () => {
  collector = await startCollector({ db: join(root, 'dates.duckdb'), log: () => {}, statics: {} });
});
afterAll(async () => {
  await collector.close();
  rmSync(root, { recursive: true, force: true });
});

const IMPOSSIBLE = ['2026-02-30T00:00:00Z', '2026-04-31T12:00:00+02:00', '2025-02-29T00:00:00Z', '2100-02-29T00:00:00Z', '2026-11-00T00:00:00Z'];

describe('instants on days the calendar does not have', () => {
  it.each(['from', 'to', 'closeSessionsBefore'])('GET /v1/metrics answers 400 naming %s', async (param) => {
    for (const value of IMPOSSIBLE) {
      const res = await fetch(`${collector.url}/v1/metrics?by=org&${param}=${encodeURIComponent(value)}`);
      expect({ value, status: res.status, param: (await res.json()).error?.param }).toEqual({ value, status: 400, param });
    }
  });

  it('aggregate() throws a TypeError naming the option', () => {
    for (const value of IMPOSSIBLE) {
      expect(() => aggregate([], { by: 'org', from: value })).toThrow(new TypeError('aggregate: from must be a valid Date or an ISO 8601 date-time with a zone'));
      expect(() => aggregate([], { by: 'org', to: value })).toThrow(/aggregate: to /);
    }
  });

  it('takes the leap days there are', async () => {
    for (const value of ['2024-02-29T00:00:00Z', '2000-02-29T23:59:59.999-05:00']) {
      expect((await fetch(`${collector.url}/v1/metrics?by=org&from=${encodeURIComponent(value)}`)).status).toBe(200);
      expect(aggregate([], { by: 'org', from: value })).toEqual([]);
    }
  });
});
