// Written from SPEC.md alone, through the public API: session end by timeout via `at`, occurredAt of missed, page() option with pageUrl, call state across sessions.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { WidgetEvent } from '../src/index';
import { MINUTE, names, run, T0 } from './helpers';

const iso = (ms: number) => new Date(ms).toISOString();

describe('spec sessions and pages', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['Date'], now: T0 }));
  it('timeout via at: missed chat and call carry old session, request page, occurredAt = last activity + timeout', async () => {
    const { metrics, codes } = await run([
      { type: 'chat.message', from: 'visitor', at: T0, pageUrl: 'https://s.example/chat?email=a@b' },
      { type: 'call.requested', callId: 'c1', at: T0 + MINUTE, pageUrl: 'https://s.example/call' },
      { type: 'chat.message', from: 'bot', at: T0 + 2 * MINUTE, pageUrl: 'https://s.example/bot' },
      { type: 'chat.message', from: 'rep', repId: 'r1', at: T0 + 40 * MINUTE, pageUrl: 'https://s.example/late' },
      { type: 'call.answered', callId: 'c1', repId: 'r1', at: T0 + 41 * MINUTE },
    ], { sessionTimeoutMs: 30 * MINUTE });
    const byName = Object.fromEntries(metrics.map((m) => [m.metric, m]));
    expect(names(metrics).sort()).toEqual(['inbound_call_missed', 'inbound_call_requested', 'inbound_chat_missed', 'inbound_chat_requested', 'proactive_chat_attempted'].sort());
    const s1 = byName.inbound_chat_requested.sessionId;
    expect(byName.inbound_chat_requested.page).toBe('/chat');
    for (const k of ['inbound_chat_missed', 'inbound_call_missed']) {
      expect(byName[k].sessionId).toBe(s1);
      expect(byName[k].reason).toBe('session_end');
      expect(byName[k].occurredAt).toBe(iso(T0 + 32 * MINUTE)); // bot message is activity too
      expect('repId' in byName[k]).toBe(false);
    }
    expect(byName.inbound_chat_missed.page).toBe('/chat');
    expect(byName.inbound_call_missed.page).toBe('/call');
    expect(byName.proactive_chat_attempted.sessionId).not.toBe(s1);
    expect(byName.proactive_chat_attempted.page).toBe('/late');
    expect(codes()).toEqual([]);
  });

  it('an at earlier than the last activity counts in the current session', async () => {
    const { metrics } = await run([
      { type: 'chat.message', from: 'visitor', at: T0 + 60 * MINUTE },
      { type: 'chat.message', from: 'rep', repId: 'r', at: T0 },
    ]);
    expect(names(metrics)).toEqual(['inbound_chat_requested', 'inbound_chat_answered']);
    expect(metrics[0].sessionId).toBe(metrics[1].sessionId);
  });

  it('page() groups both the default location and pageUrl; ISO at accepted', async () => {
    const seen: string[] = [];
    const { metrics } = await run([
      { type: 'call.requested', callId: 'a', pageUrl: 'https://s.example/product/42?x=1', at: '2026-11-24T15:00:00.000Z' },
      { type: 'call.requested', callId: 'b' },
    ], { page: (u) => (seen.push(u.href), u.pathname.startsWith('/product/') ? '/product/:id' : 'other') });
    expect(metrics.map((m) => m.page)).toEqual(['/product/:id', 'other']);
    expect(metrics[0].occurredAt).toBe('2026-11-24T15:00:00.000Z');
    expect(seen.length).toBeGreaterThan(0);
  });

  it('a callId counts once across sessions', async () => {
    const { metrics } = await run([
      { type: 'call.requested', callId: 'x', at: T0 },
      { type: 'call.requested', callId: 'x', at: T0 + 120 * MINUTE },
      { type: 'call.offered', callId: 'y', repId: 'r', at: T0 + 121 * MINUTE },
      { type: 'call.offered', callId: 'y', repId: 'r', at: T0 + 300 * MINUTE },
      { type: 'call.accepted', callId: 'y', at: T0 + 301 * MINUTE },
    ] as WidgetEvent[]);
    expect(names(metrics)).toEqual(['inbound_call_requested', 'inbound_call_missed', 'proactive_call_attempted', 'proactive_call_accepted']);
    expect(metrics[3].repId).toBe('r');
  });
});
