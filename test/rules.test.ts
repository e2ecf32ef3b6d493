// SPEC section 4, one test per rule and per consequence, through the public API: widget
// events in, the metric events the endpoint received out.
import { describe, expect, it, vi } from 'vitest';
import type { WidgetEvent } from '../src/index';
import { answered, bot, callEvent, freshStorage, MINUTE, names, offered, rep, requested, run, startTracker, stubEndpoint, T0, visitor } from './helpers';

describe('calls', () => {
  it.each<[string, WidgetEvent[], string[]]>([
    ['a rep offering a call is a proactive attempt', [offered('c1')], ['proactive_call_attempted']],
    ['the visitor accepting it is a proactive acceptance', [offered('c1'), callEvent('call.accepted', 'c1')], ['proactive_call_attempted', 'proactive_call_accepted']],
    ['a declined offer is still an attempt', [offered('c1'), callEvent('call.declined', 'c1')], ['proactive_call_attempted']],
    ['an accept after a decline changes nothing', [offered('c1'), callEvent('call.declined', 'c1'), callEvent('call.accepted', 'c1')], ['proactive_call_attempted']],
    ['an offer seen twice counts once', [offered('c1'), offered('c1', 'rep_2')], ['proactive_call_attempted']],
    ['an accept seen twice counts once', [offered('c1'), callEvent('call.accepted', 'c1'), callEvent('call.accepted', 'c1')], ['proactive_call_attempted', 'proactive_call_accepted']],
    ['a visitor request is an inbound request', [requested('c1')], ['inbound_call_requested']],
    ['a request counts even when canceled', [requested('c1'), callEvent('call.canceled', 'c1')], ['inbound_call_requested', 'inbound_call_missed']],
    ['a rep clicking Answer answers it', [requested('c1'), answered('c1')], ['inbound_call_requested', 'inbound_call_answered']],
    ['answered whether or not the visitor then connects', [requested('c1'), answered('c1'), callEvent('call.declined', 'c1')], ['inbound_call_requested', 'inbound_call_answered']],
    ['only the first Answer counts', [requested('c1'), answered('c1', 'rep_1'), answered('c1', 'rep_2')], ['inbound_call_requested', 'inbound_call_answered']],
    ['a request seen twice counts once', [requested('c1'), requested('c1')], ['inbound_call_requested']],
    ['ringing out is a miss', [requested('c1'), callEvent('call.timeout', 'c1')], ['inbound_call_requested', 'inbound_call_missed']],
    ['ending unanswered is a miss', [requested('c1'), callEvent('call.ended', 'c1')], ['inbound_call_requested', 'inbound_call_missed']],
    ['the first outcome wins: Answer after timeout changes nothing', [requested('c1'), callEvent('call.timeout', 'c1'), answered('c1')], ['inbound_call_requested', 'inbound_call_missed']],
    ['the first outcome wins: cancel after Answer is no miss', [requested('c1'), answered('c1'), callEvent('call.canceled', 'c1'), callEvent('call.ended', 'c1')], ['inbound_call_requested', 'inbound_call_answered']],
    ['an offered call cannot be answered as inbound', [offered('c1'), answered('c1')], ['proactive_call_attempted']],
    ['an offered call ending is no inbound miss', [offered('c1'), callEvent('call.timeout', 'c1'), callEvent('call.ended', 'c1')], ['proactive_call_attempted']],
    ['a requested call cannot be offered too', [requested('c1'), offered('c1')], ['inbound_call_requested']],
  ])('%s', async (_, events, expected) => {
    const { metrics, codes } = await run(events);
    expect(names(metrics)).toEqual(expected);
    expect(codes()).toEqual([]);
  });

  it('carries the offering rep on proactive call metrics and the answering rep on answered', async () => {
    const { metrics } = await run([offered('c1', 'rep_a'), callEvent('call.accepted', 'c1'), requested('c2'), answered('c2', 'rep_b')]);
    expect(metrics.map((m) => [m.metric, m.repId, m.callId])).toEqual([
      ['proactive_call_attempted', 'rep_a', 'c1'],
      ['proactive_call_accepted', 'rep_a', 'c1'],
      ['inbound_call_requested', undefined, 'c2'],
      ['inbound_call_answered', 'rep_b', 'c2'],
    ]);
  });

  it('gives missed calls their reason and no rep', async () => {
    const { metrics } = await run([requested('a'), callEvent('call.canceled', 'a'), requested('b'), callEvent('call.timeout', 'b'), requested('c'), callEvent('call.ended', 'c')]);
    expect(metrics.filter((m) => m.metric === 'inbound_call_missed').map((m) => [m.callId, m.reason, 'repId' in m])).toEqual([
      ['a', 'canceled', false],
      ['b', 'timeout', false],
      ['c', 'ended', false],
    ]);
  });

  it.each(['call.accepted', 'call.declined', 'call.answered', 'call.canceled', 'call.timeout', 'call.ended'] as const)(
    'ignores and reports %s for a call never offered or requested',
    async (type) => {
      const { metrics, errors } = await run([{ type, callId: 'ghost', repId: 'rep_1' } as WidgetEvent]);
      expect(metrics).toEqual([]);
      expect(errors.map((e) => e.code)).toEqual(['unknown_call']);
      expect(errors[0].message).toContain('ghost');
    },
  );

  it('counts a callId once for as long as the storage lasts, across sessions and page loads', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const first = startTracker();
    first.tracker.track(offered('c1'));
    first.tracker.track(callEvent('call.accepted', 'c1'));
    await first.tracker.shutdown();
    vi.setSystemTime(T0 + 90 * MINUTE);
    const second = startTracker();
    second.tracker.track(offered('c1'));
    second.tracker.track(callEvent('call.accepted', 'c1'));
    await second.tracker.flush();
    expect(names(endpoint.events())).toEqual(['proactive_call_attempted', 'proactive_call_accepted']);
  });

  it('keeps a call known across a reload between its request and its answer', async () => {
    const endpoint = stubEndpoint();
    const before = startTracker();
    before.tracker.track(requested('c1'));
    await before.tracker.shutdown();
    const after = startTracker();
    after.tracker.track(answered('c1', 'rep_9'));
    await after.tracker.flush();
    expect(endpoint.events().map((m) => [m.metric, m.repId])).toEqual([
      ['inbound_call_requested', undefined],
      ['inbound_call_answered', 'rep_9'],
    ]);
    expect(after.codes()).toEqual([]);
  });
});

describe('chats', () => {
  it.each<[string, WidgetEvent[], string[]]>([
    ['rep writes first: a proactive attempt', [rep('r1')], ['proactive_chat_attempted']],
    ['the visitor answering accepts it', [rep('r1'), visitor()], ['proactive_chat_attempted', 'proactive_chat_accepted']],
    ['visitor writes first: an inbound request', [visitor()], ['inbound_chat_requested']],
    ['a rep replying answers it', [visitor(), rep('r1')], ['inbound_chat_requested', 'inbound_chat_answered']],
    ['at most one attempt and one acceptance per session', [rep('r1'), rep('r2'), visitor(), visitor(), rep('r1')], ['proactive_chat_attempted', 'proactive_chat_accepted']],
    ['at most one request and one answer per session', [visitor(), visitor(), rep('r1'), rep('r2'), visitor()], ['inbound_chat_requested', 'inbound_chat_answered']],
    ['bots open nothing', [bot(), visitor()], ['inbound_chat_requested']],
    ['bots answer nothing', [visitor(), bot(), bot()], ['inbound_chat_requested']],
    ['a bot greeting does not make the chat proactive', [bot(), visitor(), rep('r1')], ['inbound_chat_requested', 'inbound_chat_answered']],
    ['a bot reply does not accept a proactive attempt', [rep('r1'), bot()], ['proactive_chat_attempted']],
    ['the same message seen twice counts once', [visitor({ messageId: 'm1' }), rep('r1', { messageId: 'm2' }), rep('r1', { messageId: 'm2' })], ['inbound_chat_requested', 'inbound_chat_answered']],
  ])('%s', async (_, events, expected) => {
    const { metrics, codes } = await run(events);
    expect(names(metrics)).toEqual(expected);
    expect(codes()).toEqual([]);
  });

  it('credits acceptance to the rep who made the attempt, answers to the rep who answered', async () => {
    const a = await run([rep('rep_a'), rep('rep_b'), visitor()]);
    expect(a.metrics.map((m) => m.repId)).toEqual(['rep_a', 'rep_a']);
    freshStorage();
    const b = await run([visitor(), rep('rep_b')]);
    expect(b.metrics.map((m) => m.repId)).toEqual([undefined, 'rep_b']);
  });

  it('carries conversationId onto chat metrics when the widget gives one', async () => {
    const { metrics } = await run([rep('r1', { conversationId: 'conv_1' }), visitor()]);
    expect(metrics.map((m) => m.conversationId)).toEqual(['conv_1', 'conv_1']);
    expect(metrics.every((m) => !('callId' in m) && !('reason' in m))).toBe(true);
  });

  it('misses an inbound request no rep answered before the session ended, with the request page', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    history.pushState(null, '', '/pricing?plan=pro#top');
    tracker.track(visitor({ conversationId: 'conv_9' }));
    history.pushState(null, '', '/checkout');
    await tracker.endSession();
    await tracker.flush();
    const [request, missed] = endpoint.events();
    expect(missed).toMatchObject({ metric: 'inbound_chat_missed', page: '/pricing', reason: 'session_end', conversationId: 'conv_9', sessionId: request.sessionId });
    expect(missed.repId).toBeUndefined();
  });

  it('does not miss an answered request, nor a proactive chat the visitor ignored', async () => {
    for (const events of [[visitor(), rep('r1')], [rep('r1')]]) {
      const endpoint = stubEndpoint();
      const { tracker } = startTracker();
      events.forEach(tracker.track);
      await tracker.endSession();
      await tracker.flush();
      expect(names(endpoint.events())).not.toContain('inbound_chat_missed');
      freshStorage();
    }
  });

  it('lets each new session open its own conversation', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor());
    await tracker.endSession();
    tracker.track(rep('r1'));
    await tracker.flush();
    const events = endpoint.events();
    expect(names(events)).toEqual(['inbound_chat_requested', 'inbound_chat_missed', 'proactive_chat_attempted']);
    expect(events[2].sessionId).not.toBe(events[0].sessionId);
  });

  it('does not let a message re-rendered in a later session open a new conversation', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    tracker.track(visitor({ messageId: 'm1' }));
    tracker.track(rep('r1', { messageId: 'm2' }));
    await tracker.endSession();
    // A reload re-renders the history and the widget emits the same messages again.
    tracker.track(visitor({ messageId: 'm1' }));
    tracker.track(rep('r1', { messageId: 'm2' }));
    await tracker.flush();
    expect(names(endpoint.events())).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
  });
});

describe('pages and reps on metrics', () => {
  it('takes the path of the page, never its query string or hash', async () => {
    history.pushState(null, '', '/pricing?email=a@b.c#x');
    const { metrics } = await run([visitor()]);
    expect(metrics[0].page).toBe('/pricing');
  });

  it('captures the page at the moment of the action, not when the batch is stored', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    history.pushState(null, '', '/one');
    tracker.track(requested('c1'));
    history.pushState(null, '', '/two');
    tracker.track(answered('c1'));
    await tracker.flush();
    expect(endpoint.events().map((m) => m.page)).toEqual(['/one', '/two']);
  });

  it('groups pages with the page() option', async () => {
    history.pushState(null, '', '/blog/how-to-sell');
    const { metrics } = await run([visitor()], { page: (url) => (url.pathname.startsWith('/blog/') ? '/blog/*' : url.pathname) });
    expect(metrics[0].page).toBe('/blog/*');
  });

  it('uses the pageUrl a widget iframe passes, path only, through page()', async () => {
    const { metrics } = await run([{ ...visitor(), pageUrl: 'https://shop.example.com/cart?id=7#pay' }, { ...rep('r1'), pageUrl: '/docs/a' }], {
      page: (url) => url.pathname.toUpperCase(),
    });
    expect(metrics.map((m) => m.page)).toEqual(['/CART', '/DOCS/A']);
  });

  it('gives missed calls the page where the call was requested, whatever ended it', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    history.pushState(null, '', '/contact');
    tracker.track(requested('c1'));
    tracker.track(requested('c2'));
    history.pushState(null, '', '/elsewhere');
    tracker.track(callEvent('call.timeout', 'c1'));
    await tracker.endSession();
    await tracker.flush();
    const missed = endpoint.events().filter((m) => m.metric === 'inbound_call_missed');
    expect(missed.map((m) => [m.callId, m.page, m.reason])).toEqual([
      ['c1', '/contact', 'timeout'],
      ['c2', '/contact', 'session_end'],
    ]);
  });

  it('falls back to the path and reports when page() throws', async () => {
    history.pushState(null, '', '/safe');
    const { metrics, errors } = await run([visitor()], { page: () => { throw new Error('boom'); } });
    expect(metrics[0].page).toBe('/safe');
    expect(errors.map((e) => e.code)).toEqual(['internal']);
  });

  it('never puts a rep on metrics not available for individual users', async () => {
    const { metrics } = await run([requested('c1'), callEvent('call.canceled', 'c1'), visitor()]);
    expect(metrics.every((m) => m.repId === undefined)).toBe(true);
  });
});

describe('conversationId on chat metrics', () => {
  it('the missed metric of an unanswered inbound chat carries the conversationId the widget gave on the visitor\'s later messages (the first was sent before the conversation had an id)', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track(visitor({ messageId: 'v1' })); // sent before the server created the conversation
    tracker.track(visitor({ messageId: 'v2', conversationId: 'k1' }));
    await tracker.endSession();
    await tracker.flush();
    const missed = endpoint.events().find((e) => e.metric === 'inbound_chat_missed');
    expect(missed?.conversationId).toBe('k1');
  });
});
