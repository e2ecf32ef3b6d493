// @vitest-environment node
// Server-side rendering and plain Node: importing the package touches no browser global, and a
// tracker created there works in memory instead of throwing (issue 5 item 4).
import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';

describe('outside a browser', () => {
  it('imports the built ESM and CJS entries without window, document or IndexedDB', () => {
    const script = `
      for (const g of ['window', 'document', 'navigator', 'location', 'indexedDB', 'localStorage']) {
        if (g in globalThis) Object.defineProperty(globalThis, g, { get() { throw new Error(g + ' touched at import'); }, configurable: true });
      }
      const cjs = require('./dist/index.cjs');
      import('./dist/index.js').then((esm) => {
        if (typeof cjs.createTracker !== 'function' || typeof esm.createTracker !== 'function') process.exit(1);
        console.log('ok');
      });`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()).toBe('ok');
  });

  it('lets a Node process exit without shutdown(): no timer keeps it alive', () => {
    const script = `
      globalThis.fetch = async () => new Response(null, { status: 200 });
      import('./dist/index.js').then(async ({ createTracker }) => {
        const tracker = createTracker({ orgId: 'o', endpoint: 'https://c.example.com/v1', flushIntervalMs: 600000 });
        tracker.track({ type: 'chat.message', from: 'visitor' });
        await tracker.flush();
        console.log('flushed');
      });`;
    const started = Date.now();
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000 }).trim()).toBe('flushed');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('tracks in memory and delivers with Node fetch when there is no IndexedDB', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const bodies: { events: { metric: string; page: string }[] }[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return new Response(null, { status: 200 });
    });
    const { createTracker } = await import('../src/index');
    const codes: string[] = [];
    const tracker = createTracker({ orgId: 'o', endpoint: 'https://c.example.com/v1', onError: (e) => codes.push(e.code) });
    tracker.track({ type: 'chat.message', from: 'visitor', pageUrl: 'https://shop.example.com/cart?x=1' });
    await tracker.shutdown();
    expect(bodies.flatMap((b) => b.events).map((e) => [e.metric, e.page])).toEqual([['inbound_chat_requested', '/cart']]);
    expect(codes).toEqual(['storage_unavailable']);
  });
});
