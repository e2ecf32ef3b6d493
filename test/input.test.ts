// Bad input (issue 2 item 7) and configuration (item 2): createTracker's one throw names the
// option; after that, nothing throws and every bad event is reported once as invalid_event.
import { describe, expect, it } from 'vitest';
import { createTracker, TrackerConfigError, TrackerError, type TrackerOptions, type WidgetEvent } from '../src/index';
import { ENDPOINT, names, run, startTracker, stubEndpoint, visitor } from './helpers';

const long = 'x'.repeat(257);

describe('bad widget events', () => {
  it.each<[string, unknown, RegExp]>([
    ['null', null, /must be an object/],
    ['undefined', undefined, /must be an object/],
    ['a string', 'chat.message', /must be an object/],
    ['an array', [{ type: 'chat.message', from: 'visitor' }], /must be an object/],
    ['an unknown type', { type: 'call.hold', callId: 'c1' }, /unknown event type "call.hold"/],
    ['no type', { callId: 'c1' }, /unknown event type/],
    ['a type inherited from the prototype', { type: 'toString' }, /unknown event type/],
    ['a missing callId', { type: 'call.requested' }, /"callId"/],
    ['a numeric callId', { type: 'call.requested', callId: 7 }, /"callId"/],
    ['an empty callId', { type: 'call.requested', callId: '' }, /"callId"/],
    ['a callId over 256 characters', { type: 'call.requested', callId: long }, /"callId".*256/],
    ['an offer without its rep', { type: 'call.offered', callId: 'c1' }, /"repId"/],
    ['an answer with a non-string rep', { type: 'call.answered', callId: 'c1', repId: { id: 1 } }, /"repId"/],
    ['a message from someone else', { type: 'chat.message', from: 'system' }, /"from"/],
    ['a message with no from', { type: 'chat.message' }, /"from"/],
    ['a rep message without repId', { type: 'chat.message', from: 'rep' }, /"repId"/],
    ['a rep message with an oversize repId', { type: 'chat.message', from: 'rep', repId: long }, /"repId"/],
    ['an oversize messageId', { type: 'chat.message', from: 'visitor', messageId: long }, /"messageId"/],
    ['a non-string conversationId', { type: 'chat.message', from: 'visitor', conversationId: 5 }, /"conversationId"/],
    ['a non-string pageUrl', { type: 'chat.message', from: 'visitor', pageUrl: {} }, /"pageUrl"/],
    ['an unreadable at', { type: 'chat.message', from: 'visitor', at: 'yesterday-ish' }, /"at"/],
    ['an infinite at', { type: 'chat.message', from: 'visitor', at: Infinity }, /"at"/],
    ['a __proto__ key', JSON.parse('{"type":"chat.message","from":"visitor","__proto__":{"polluted":true}}'), /__proto__/],
  ])('%s is ignored and reported once, never thrown', async (_, input, message) => {
    const { metrics, errors } = await run([input as WidgetEvent]);
    expect(metrics).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TrackerError);
    expect(errors[0].code).toBe('invalid_event');
    expect(errors[0].message).toMatch(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps counting good events around bad ones', async () => {
    const { metrics, codes } = await run([null as unknown as WidgetEvent, visitor(), { type: 'nope' } as unknown as WidgetEvent]);
    expect(metrics.map((m) => m.metric)).toEqual(['inbound_chat_requested']);
    expect(codes()).toEqual(['invalid_event', 'invalid_event']);
  });

  it('copies the event, so the widget changing it afterwards changes nothing', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    const event = { type: 'call.requested', callId: 'c1' } as { type: 'call.requested'; callId: string };
    tracker.track(event);
    event.callId = 'changed';
    await tracker.flush();
    expect(endpoint.events().map((m) => m.callId)).toEqual(['c1']);
  });

  it('survives an onError that throws', async () => {
    stubEndpoint();
    const tracker = createTracker({ orgId: 'o', endpoint: ENDPOINT, onError: () => { throw new Error('host bug'); } });
    expect(() => tracker.track(null as unknown as WidgetEvent)).not.toThrow();
    await expect(tracker.flush()).resolves.toBeUndefined();
    await tracker.shutdown();
  });

  it('does not throw for events tracked after shutdown, and ignores them', async () => {
    const endpoint = stubEndpoint();
    const { tracker } = startTracker();
    await tracker.shutdown();
    expect(() => tracker.track(visitor())).not.toThrow();
    await tracker.flush();
    expect(endpoint.events()).toEqual([]);
  });
});

describe('hostile widget events', () => {
  it('reports an event whose getter throws as invalid_event, not as an SDK bug', async () => {
    const event = { type: 'chat.message', from: 'visitor' };
    Object.defineProperty(event, 'messageId', { enumerable: true, get: () => { throw new Error('boom'); } });
    const { metrics, codes } = await run([event as WidgetEvent, visitor()]);
    expect(codes()).toEqual(['invalid_event']);
    expect(metrics.map((m) => m.metric)).toEqual(['inbound_chat_requested']);
  });

  it('ignores fields inherited through a polluted Object.prototype', async () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.messageId = 'polluted';
    try {
      const { metrics } = await run([visitor(), { type: 'chat.message', from: 'rep', repId: 'r1' }]);
      expect(metrics.map((m) => m.metric)).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
    } finally {
      delete proto.messageId;
    }
  });
});

describe('configuration', () => {
  const base: TrackerOptions = { orgId: 'org_1', endpoint: ENDPOINT };
  it.each<[string, Partial<Record<keyof TrackerOptions, unknown>>, string]>([
    ['orgId', { orgId: undefined }, 'orgId'],
    ['orgId', { orgId: '  ' }, 'orgId'],
    ['orgId', { orgId: 42 }, 'orgId'],
    ['endpoint', { endpoint: undefined }, 'endpoint'],
    ['endpoint', { endpoint: 'not a url' }, 'endpoint'],
    ['endpoint', { endpoint: '/v1/engage' }, 'endpoint'],
    ['endpoint', { endpoint: 'http://collect.example.com/v1' }, 'endpoint'],
    ['endpoint', { endpoint: 'ftp://localhost/v1' }, 'endpoint'],
    ['batchSize', { batchSize: 0 }, 'batchSize'],
    ['batchSize', { batchSize: 501 }, 'batchSize'],
    ['batchSize', { batchSize: 2.5 }, 'batchSize'],
    ['batchSize', { batchSize: '20' }, 'batchSize'],
    ['flushIntervalMs', { flushIntervalMs: -1 }, 'flushIntervalMs'],
    ['flushIntervalMs', { flushIntervalMs: Infinity }, 'flushIntervalMs'],
    ['flushIntervalMs', { flushIntervalMs: NaN }, 'flushIntervalMs'],
    ['sessionTimeoutMs', { sessionTimeoutMs: 0 }, 'sessionTimeoutMs'],
    ['sessionTimeoutMs', { sessionTimeoutMs: -5 }, 'sessionTimeoutMs'],
    ['maxQueuedEvents', { maxQueuedEvents: 0 }, 'maxQueuedEvents'],
    ['page', { page: '/fixed' }, 'page'],
    ['onError', { onError: 'console.log' }, 'onError'],
    ['headers', { headers: { 'x-key': 5 } }, 'headers'],
    ['headers', { headers: 'x-key: 5' }, 'headers'],
    ['debug', { debug: 'yes' }, 'debug'],
    ['allowedOrigins', { allowedOrigins: 'https://a.example' }, 'allowedOrigins'],
  ])('rejects a bad %s with a TrackerConfigError naming it (%o)', (_, override, option) => {
    let thrown: unknown;
    try {
      createTracker({ ...base, ...override } as TrackerOptions);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TrackerConfigError);
    expect((thrown as TrackerConfigError).option).toBe(option);
    expect((thrown as Error).message).toContain(`"${option}"`);
  });

  it('rejects a missing options object', () => {
    expect(() => createTracker(undefined as unknown as TrackerOptions)).toThrow(TrackerConfigError);
  });

  it.each(['http://localhost:8787/v1/engage', 'http://127.0.0.1/v1', 'https://collect.example.com/v1'])('accepts %s as endpoint', async (endpoint) => {
    stubEndpoint();
    const { tracker } = startTracker({ endpoint });
    await tracker.shutdown();
  });
});

describe('pageUrl', () => {
  it('an unparseable pageUrl is bad input (invalid_event), not an internal error, and never counted on the tracker\'s own page', async () => {
    const endpoint = stubEndpoint();
    const { tracker, errors } = startTracker({ flushIntervalMs: 3_600_000 });
    tracker.track({ type: 'call.requested', callId: 'c1', pageUrl: 'https://exa mple.com/pricing' });
    await tracker.flush();
    const pages = endpoint.events().map((e) => e.page);
    expect({ codes: errors.map((e) => e.code), pages }).toEqual({ codes: ['invalid_event'], pages: [] });
  });
});

describe('allowedOrigins', () => {
  it('allowedOrigins: an entry that is not an origin (trailing slash) is refused at createTracker, not a silent loss of every widget event', async () => {
    const endpoint = stubEndpoint();
    let thrown: unknown;
    let errors: string[] = [];
    try {
      const h = startTracker({ flushIntervalMs: 3_600_000, allowedOrigins: ['https://widget.example.com/'] });
      errors = h.codes();
      window.dispatchEvent(new MessageEvent('message', { data: { engage: { type: 'call.requested', callId: 'c1' } }, origin: 'https://widget.example.com' }));
      await h.tracker.flush();
    } catch (err) {
      thrown = err;
    }
    // Either refused up front (TrackerConfigError naming allowedOrigins) or the event arrives.
    const outcome = thrown ? (thrown as { name: string; option: string }).option : endpoint.events().length ? 'tracked' : `silently lost (onError: ${JSON.stringify(errors)})`;
    expect(['allowedOrigins', 'tracked']).toContain(outcome);
  });

  it('"null", the origin a sandboxed widget iframe posts from, is accepted from a window of this page and its events tracked', async () => {
    const endpoint = stubEndpoint();
    let refused: unknown;
    try {
      const { tracker } = startTracker({ flushIntervalMs: 3_600_000, allowedOrigins: ['null'] });
      window.dispatchEvent(new MessageEvent('message', { data: { engage: { type: 'call.requested', callId: 'c1' } }, origin: 'null', source: window }));
      await tracker.flush();
    } catch (err) {
      refused = (err as { option?: string }).option ?? String(err);
    }
    expect({ refused, sent: names(endpoint.events()) }).toEqual({ refused: undefined, sent: ['inbound_call_requested'] });
  });
});
