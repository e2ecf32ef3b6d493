// Written from SPEC.md alone, through the public API: chats with conversationId changes, config validation matrix, TrackerError fields.
import { describe, expect, it, vi } from 'vitest';
import { createTracker, TrackerConfigError, TrackerError, type TrackerOptions, type WidgetEvent } from '../src/index';
import { ENDPOINT, names, run, startTracker, stubEndpoint } from './helpers';

const msg = (from: 'visitor' | 'rep' | 'bot', extra: Record<string, unknown> = {}): WidgetEvent =>
  ({ type: 'chat.message', from, ...(from === 'rep' && !('repId' in extra) ? { repId: 'rep_1' } : {}), ...extra }) as unknown as WidgetEvent;

describe('spec chats', () => {
  it('inbound: each metric carries the conversationId of the event that triggered it', async () => {
    const { metrics, codes } = await run([
      msg('bot', { conversationId: 'k0', pageUrl: 'https://s.example/bot' }),
      msg('visitor', { conversationId: 'k1', pageUrl: 'https://s.example/a?x=1' }),
      msg('visitor', { conversationId: 'k2', pageUrl: 'https://s.example/b' }),
      msg('rep', { repId: 'r9', conversationId: 'k3', pageUrl: 'https://s.example/c#z' }),
      msg('rep', { repId: 'r8', conversationId: 'k4' }),
      msg('visitor', { conversationId: 'k5' }),
    ]);
    expect(metrics.map((m) => [m.metric, m.conversationId, m.repId, m.page])).toEqual([
      ['inbound_chat_requested', 'k1', undefined, '/a'],
      ['inbound_chat_answered', 'k3', 'r9', '/c'],
    ]);
    expect(metrics.every((m) => !('callId' in m) && !('reason' in m))).toBe(true);
    expect('repId' in metrics[0]).toBe(false);
    expect(codes()).toEqual([]);
  });

  it('proactive: accepted carries the attempting rep even after another rep wrote', async () => {
    const { metrics } = await run([
      msg('rep', { repId: 'rA', conversationId: 'p1', pageUrl: 'https://s.example/p1' }),
      msg('rep', { repId: 'rB', conversationId: 'p2' }),
      msg('bot'),
      msg('visitor', { conversationId: 'p3', pageUrl: 'https://s.example/p3' }),
      msg('visitor'),
    ]);
    expect(metrics.map((m) => [m.metric, m.conversationId, m.repId, m.page])).toEqual([
      ['proactive_chat_attempted', 'p1', 'rA', '/p1'],
      ['proactive_chat_accepted', 'p3', 'rA', '/p3'],
    ]);
  });

  it('no conversationId given: none on the metric', async () => {
    const { metrics } = await run([msg('visitor'), msg('rep')]);
    expect(metrics.map((m) => 'conversationId' in m)).toEqual([false, false]);
  });

  it('a new session starts a new conversation; the missed chat keeps the old session and request page', async () => {
    const endpoint = stubEndpoint();
    const { tracker, codes } = startTracker();
    tracker.track(msg('visitor', { conversationId: 'old', pageUrl: 'https://s.example/req' }));
    tracker.track(msg('bot', { pageUrl: 'https://s.example/other' }));
    await tracker.flush();
    await tracker.endSession();
    tracker.track(msg('rep', { repId: 'r2', conversationId: 'new', pageUrl: 'https://s.example/next' }));
    tracker.track(msg('visitor', { conversationId: 'new' }));
    await tracker.flush();
    const m = endpoint.events();
    expect(names(m)).toEqual(['inbound_chat_requested', 'inbound_chat_missed', 'proactive_chat_attempted', 'proactive_chat_accepted']);
    expect(m[1].sessionId).toBe(m[0].sessionId);
    expect(m[2].sessionId).not.toBe(m[0].sessionId);
    expect(m[1].page).toBe('/req');
    expect(m[1].reason).toBe('session_end');
    expect('repId' in m[1]).toBe(false);
    expect(m[2].repId).toBe('r2');
    expect(m[3].repId).toBe('r2');
    expect(codes()).toEqual([]);
  });

  it('bot-only sessions count nothing; a rep message with no repId is invalid_event', async () => {
    const { metrics, codes } = await run([msg('bot'), msg('bot'), { type: 'chat.message', from: 'rep' } as unknown as WidgetEvent, msg('rep', { repId: '' })]);
    expect(metrics).toEqual([]);
    expect(codes()).toEqual(['invalid_event', 'invalid_event']);
  });

  it('duplicate messageId counts once, also across roles', async () => {
    const { metrics } = await run([msg('visitor', { messageId: 'm1' }), msg('visitor', { messageId: 'm1' }), msg('rep', { messageId: 'm2' }), msg('rep', { messageId: 'm2' })]);
    expect(names(metrics)).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
  });
});

describe('spec config validation', () => {
  const base: TrackerOptions = { orgId: 'org_1', endpoint: ENDPOINT };
  const cases: [string, unknown][] = [
    ['orgId', null], ['orgId', ''], ['orgId', {}], ['orgId', ['org']], ['orgId', 'x'.repeat(257)], ['orgId', 1],
    ['endpoint', null], ['endpoint', 42], ['endpoint', {}], ['endpoint', new URL(ENDPOINT)], ['endpoint', ''], ['endpoint', 'https://'], ['endpoint', 'http://example.com/x'], ['endpoint', 'https://user:pw@collect.example.com/v1'],
    ['batchSize', '5'], ['batchSize', true], ['batchSize', {}], ['batchSize', 1.5], ['batchSize', -1], ['batchSize', NaN],
    ['flushIntervalMs', '5000'], ['flushIntervalMs', false], ['flushIntervalMs', 0.5], ['flushIntervalMs', 2 ** 40],
    ['sessionTimeoutMs', '1000'], ['sessionTimeoutMs', {}], ['sessionTimeoutMs', 1.5], ['sessionTimeoutMs', Infinity],
    ['maxQueuedEvents', '10'], ['maxQueuedEvents', [] as unknown], ['maxQueuedEvents', 2.5], ['maxQueuedEvents', -3],
    ['page', 'x'], ['page', 1], ['page', {}], ['page', null],
    ['headers', null], ['headers', []], ['headers', { a: 1 }], ['headers', { a: null }], ['headers', 5], // names and values fetch() refuses: test/browser/regressions.test.ts (happy-dom's Headers takes them)
    ['onError', null], ['onError', 1], ['onError', {}],
    ['debug', 1], ['debug', 'true'], ['debug', null], ['debug', {}],
    ['allowedOrigins', null], ['allowedOrigins', [1]], ['allowedOrigins', {}], ['allowedOrigins', 'x'],
    ['allowedOrigins', ['https://widget.example.com/']], ['allowedOrigins', ['https://widget.example.com/chat']], ['allowedOrigins', ['widget.example.com']],
  ];
  it.each(cases)('rejects %s = %o', (option, value) => {
    let thrown: unknown;
    try {
      createTracker({ ...base, [option]: value } as TrackerOptions)?.shutdown();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TrackerConfigError);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as TrackerConfigError).option).toBe(option);
    expect((thrown as Error).message).toContain(option);
  });

  it('accepts the bounds', async () => {
    stubEndpoint();
    for (const o of [{ batchSize: 1 }, { batchSize: 500 }, { flushIntervalMs: 0 }, { sessionTimeoutMs: 1 }, { maxQueuedEvents: 1 }, { headers: {} }, { allowedOrigins: [] }, { debug: true }]) {
      const t = createTracker({ ...base, ...o });
      await t.shutdown();
    }
  });

  it('a missing or non-object options argument throws TrackerConfigError', () => {
    for (const v of [undefined, null, 'org_1', 5]) {
      expect(() => createTracker(v as unknown as TrackerOptions)).toThrow(TrackerConfigError);
    }
  });
});

describe('spec TrackerError fields', () => {
  const check = (e: TrackerError | undefined, code: string) => {
    expect(e).toBeInstanceOf(TrackerError);
    expect(e).toBeInstanceOf(Error);
    expect(e!.code).toBe(code);
    expect(typeof e!.message).toBe('string');
    expect(e!.message.length).toBeGreaterThan(5);
    expect(e!.name).toBe('TrackerError');
  };

  it('invalid_event', async () => {
    const { errors } = await run([42 as unknown as WidgetEvent, { type: 'nope' } as unknown as WidgetEvent, { type: 'call.offered', callId: 'c' } as unknown as WidgetEvent]);
    expect(errors.map((e) => e.code)).toEqual(['invalid_event', 'invalid_event', 'invalid_event']);
    errors.forEach((e) => check(e, 'invalid_event'));
    expect(errors[2].message).toMatch(/repId/);
  });

  it('unknown_call names the call', async () => {
    const { errors } = await run([{ type: 'call.accepted', callId: 'ghost' }]);
    check(errors[0], 'unknown_call');
    expect(errors[0].message).toContain('ghost');
  });

  it('storage_unavailable, once', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const { errors, metrics } = await run([{ type: 'call.requested', callId: 'c' }, { type: 'chat.message', from: 'visitor' }]);
    expect(errors.map((e) => e.code)).toEqual(['storage_unavailable']);
    check(errors[0], 'storage_unavailable');
    expect(metrics).toHaveLength(2);
  });

  it('delivery_rejected (400) and delivery_failed (503, network) with a status or cause', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(400);
    const h = startTracker();
    h.tracker.track({ type: 'call.requested', callId: 'a' });
    await h.tracker.flush();
    check(h.errors[0], 'delivery_rejected');
    expect(h.errors[0].message).toContain('400');
    await h.tracker.shutdown();

    endpoint.answer(0);
    const h2 = startTracker();
    h2.tracker.track({ type: 'call.requested', callId: 'b' });
    await h2.tracker.flush();
    check(h2.errors[0], 'delivery_failed');
    expect(h2.errors[0].cause).toBeInstanceOf(TypeError);
  });

  it('internal: a throwing page() option is caught and the cause kept', async () => {
    const boom = new Error('boom');
    const { errors } = await run([{ type: 'chat.message', from: 'visitor' }], { page: () => { throw boom; } });
    const internal = errors.find((e) => e.code === 'internal');
    check(internal, 'internal');
    expect(internal!.cause).toBe(boom);
  });

  it('queue_overflow says how many', async () => {
    const endpoint = stubEndpoint();
    endpoint.answer(0);
    const h = startTracker({ maxQueuedEvents: 2 });
    await h.tracker.flush();
    for (let i = 0; i < 5; i++) h.tracker.track({ type: 'call.requested', callId: 'q' + i });
    await h.tracker.flush();
    const over = h.errors.filter((e) => e.code === 'queue_overflow');
    expect(over.length).toBeGreaterThan(0);
    check(over[0], 'queue_overflow');
    const dropped = over.reduce((n, e) => n + Number(/\b(\d+) oldest\b/.exec(e.message)?.[1] ?? 0), 0);
    expect(dropped).toBe(3);
    await h.tracker.shutdown();
    const h2 = startTracker();
    await h2.tracker.flush();
    expect(endpoint.events().map((e) => e.callId)).toEqual(['q3', 'q4']);
  });

  it('a throwing onError never reaches the page', async () => {
    stubEndpoint();
    const t = createTracker({ orgId: 'o', endpoint: ENDPOINT, onError: () => { throw new Error('x'); } });
    expect(() => t.track(null as unknown as WidgetEvent)).not.toThrow();
    await t.flush();
    await t.shutdown();
  });
});
