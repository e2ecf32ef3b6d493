// @vitest-environment node
// The dashboard shows each metric under the seed's name, with the dimensions METRICS gives it,
// and formats changes the way the cards promise.
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../src/metrics';
import { ALL_METRICS, GROUPS, METRIC_INFO, REP_METRICS } from '../../dashboard/src/catalog';
import { countChange, formatRate, rateChange, rateOf, shortenPath } from '../../dashboard/src/format';

describe('metric catalog', () => {
  it('names every metric as METRICS (the seed) does, in the order of a row', () => {
    expect(ALL_METRICS).toEqual(METRICS.map((m) => m.name));
    for (const m of METRICS) expect(METRIC_INFO[m.name].label).toBe(m.label);
  });

  it('puts on the leaderboard exactly the metrics available for individual users', () => {
    expect(REP_METRICS).toEqual(METRICS.filter((m) => m.dimensions.includes('rep')).map((m) => m.name));
  });

  it('shows every metric once, grouped by channel and direction as the seed does', () => {
    const shown = GROUPS.flatMap((g) => g.sections.flatMap((s) => s.metrics));
    expect([...shown].sort()).toEqual([...ALL_METRICS].sort());
    for (const g of GROUPS) {
      const [proactive, inbound, all] = g.sections.map((s) => s.metrics.map((id) => METRICS.find((m) => m.name === id)!));
      expect(proactive.every((m) => m.direction === 'proactive')).toBe(true);
      expect(inbound.every((m) => m.direction === 'inbound')).toBe(true);
      expect(all.every((m) => m.derived)).toBe(true);
      expect(new Set([...proactive, ...inbound, ...all].map((m) => m.channel)).size).toBe(1);
    }
  });
});

describe('changes and rates', () => {
  it.each([
    [15, 10, '▲ +50.0 %', 'up'],
    [5, 10, '▼ −50.0 %', 'down'],
    [10, 10, '= ±0.0 %', 'flat'],
    [10, 0, '–', 'none'],
    [0, 0, '–', 'none'],
  ])('a count of %i after %i reads %s', (now, before, text, trend) => expect(countChange(now, before)).toMatchObject({ text, trend }));

  it('a rate is "–" with a zero denominator, never NaN or 0 %', () => {
    expect(formatRate(rateOf(0, 0))).toBe('–');
    expect(formatRate(rateOf(1, 3))).toBe('33.3 %');
  });

  it('rates change in percentage points, "–" when either side has nothing to divide by', () => {
    expect(rateChange(0.75, 0.5).text).toBe('▲ +25.0 pp');
    expect(rateChange(0.5, undefined).text).toBe('–');
  });
});

describe('page paths', () => {
  it('keep short paths whole and shorten long ones from the middle', () => {
    expect(shortenPath('/pricing')).toBe('/pricing');
    const long = '/docs/guides/getting-started/installation/linux/debian-bookworm';
    const short = shortenPath(long);
    expect(short).toHaveLength(42);
    expect(short.startsWith('/docs/guides/')).toBe(true);
    expect(short.endsWith('debian-bookworm')).toBe(true);
    expect(short).toContain('…');
  });
});
