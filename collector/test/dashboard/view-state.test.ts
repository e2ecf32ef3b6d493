// @vitest-environment node
// The dashboard's view in the URL: a shared link opens the same view; anything unknown in it
// falls back to a default instead of breaking the page.
import { describe, expect, it } from 'vitest';
import { formatView, parseView } from '../../dashboard/src/view-state';

describe('the view in the URL', () => {
  it('defaults to the last 7 days per day in the browser zone, calls held first', () => {
    expect(parseView('', 'Europe/Berlin')).toEqual({
      range: '7d',
      tz: 'Europe/Berlin',
      bucket: 'day',
      metric: 'calls_held',
      reps: { column: 'calls_held', direction: 'descending' },
      pages: { column: 'inbound_call_missed', direction: 'descending' },
    });
  });

  it('reads back every part it writes', () => {
    const view = parseView('?range=custom&from=2026-03-01&to=2026-03-31&tz=Asia%2FKathmandu&bucket=week&metric=inbound_chat_missed&org=org_2&reps=rep.asc&pages=page.desc', 'UTC');
    expect(view).toMatchObject({ range: 'custom', from: { year: 2026, month: 3, day: 1 }, to: { year: 2026, month: 3, day: 31 }, tz: 'Asia/Kathmandu', bucket: 'week', metric: 'inbound_chat_missed', org: 'org_2' });
    expect(parseView(formatView(view), 'UTC')).toEqual(view);
  });

  it.each([
    ['an unknown zone', '?tz=Mars%2FOlympus', { tz: 'UTC' }],
    ['an unknown range', '?range=yesterday', { range: '7d' }],
    ['a custom range without dates', '?range=custom&from=2026-02-30', { range: '7d' }],
    ['an unknown metric', '?metric=revenue', { metric: 'calls_held' }],
    ['a bad sort', '?reps=<script>', { reps: { column: 'calls_held', direction: 'descending' } }],
    ['today without a bucket', '?range=today', { bucket: 'hour' }],
  ])('%s falls back to the default', (_, search, expected) => expect(parseView(search, 'UTC')).toMatchObject(expected));
});
