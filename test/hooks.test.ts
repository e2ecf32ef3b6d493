// Widget events reaching trackers through the page (the engage:event CustomEvent, postMessage):
// with two trackers of two orgs on one page, each counts its own.
import { describe, expect, it } from 'vitest';
import { startTracker, stubEndpoint } from './helpers';

const dispatch = (detail: object) => document.dispatchEvent(new CustomEvent('engage:event', { detail }));
const post = (data: object) => window.dispatchEvent(new MessageEvent('message', { origin: 'https://widget.example.com', data, source: window }));
const allowed = { allowedOrigins: ['https://widget.example.com'] };

describe('two trackers of two orgs on one page', () => {
  it('an event naming an orgId reaches only that org\'s tracker', async () => {
    const endpoint = stubEndpoint();
    const a = startTracker({ orgId: 'org_A', ...allowed });
    const b = startTracker({ orgId: 'org_B', ...allowed });
    dispatch({ type: 'call.requested', callId: 'for-b', orgId: 'org_B' });
    post({ engage: { type: 'call.requested', callId: 'for-a', orgId: 'org_A' } });
    await Promise.all([a.tracker.flush(), b.tracker.flush()]);
    expect(endpoint.events().map((e) => [e.orgId, e.callId]).sort()).toEqual([
      ['org_A', 'for-a'],
      ['org_B', 'for-b'],
    ]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('hooks: false turns a tracker\'s page-wide listeners off; track() still counts', async () => {
    const endpoint = stubEndpoint();
    const widget = startTracker({ orgId: 'org_A', hooks: false, ...allowed });
    const site = startTracker({ orgId: 'org_B', ...allowed });
    dispatch({ type: 'call.requested', callId: 'site-1' });
    post({ engage: { type: 'call.requested', callId: 'site-2' } });
    widget.tracker.track({ type: 'call.requested', callId: 'widget-1' });
    await Promise.all([widget.tracker.flush(), site.tracker.flush()]);
    expect(endpoint.events().map((e) => [e.orgId, e.callId]).sort()).toEqual([
      ['org_A', 'widget-1'],
      ['org_B', 'site-1'],
      ['org_B', 'site-2'],
    ]);
  });
});
