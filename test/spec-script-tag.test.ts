// Written from SPEC.md alone, through the public API: the script-tag queue (SPEC 8) with stubs other than the SDK's own snippet shape.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ENDPOINT, names, stubEndpoint } from './helpers';
import type { TrackerError } from '../src/index';

type Engage = ((...args: unknown[]) => unknown) & { q?: unknown[] };
const host = window as unknown as { engage?: Engage; EngageTracker?: object };

async function loadBundle() {
  vi.resetModules();
  await import('../src/script-tag');
  return host.engage as Engage;
}

const errors: TrackerError[] = [];
beforeEach(async () => {
  await (host.engage as Engage | undefined)?.('shutdown');
  delete host.engage;
  delete host.EngageTracker;
  errors.length = 0;
});

describe('spec: script tag', () => {
  it('replays a GA-style queue whose entries are plain `arguments` objects', async () => {
    const endpoint = stubEndpoint();
    const stub: Engage = function (...args: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      (stub.q = stub.q || []).push(arguments);
      void args;
    } as Engage;
    host.engage = stub;
    stub('init', { orgId: 'org_1', endpoint: ENDPOINT, onError: (e: TrackerError) => errors.push(e) });
    stub('track', { type: 'chat.message', from: 'visitor' });
    const engage = await loadBundle();
    await engage('flush');
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested']);
  });

  it('replays a queue whose entries are plain arrays [command, arg]', async () => {
    const endpoint = stubEndpoint();
    const q: unknown[] = [];
    const stub: Engage = (...args) => void q.push(args);
    stub.q = q;
    host.engage = stub;
    stub('init', { orgId: 'org_1', endpoint: ENDPOINT });
    stub('track', { type: 'call.requested', callId: 'c1' });
    const engage = await loadBundle();
    await engage('flush');
    expect(names(endpoint.events())).toEqual(['inbound_call_requested']);
  });

  it('a second init is reported with a code other than internal', async () => {
    stubEndpoint();
    const q: unknown[] = [];
    const stub: Engage = (...args) => void q.push([args, Date.now()]);
    stub.q = q;
    host.engage = stub;
    stub('init', { orgId: 'org_1', endpoint: ENDPOINT, onError: (e: TrackerError) => errors.push(e) });
    stub('init', { orgId: 'org_1', endpoint: ENDPOINT });
    await loadBundle();
    expect(errors.map((e) => e.code)).not.toContain('internal');
  });

  it('a bad init logs nothing when debug is off (SPEC 7: nothing is logged unless debug is on)', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {});
    const q: unknown[] = [];
    const stub: Engage = (...args) => void q.push([args, Date.now()]);
    stub.q = q;
    host.engage = stub;
    stub('init', { orgId: '' });
    await loadBundle();
    expect(consoleError).not.toHaveBeenCalled();
  });
});
