// One drain of queued work against the stored state, inside one storage transaction:
// read what the rules need, run them, write back. store.ts supplies the transaction
// (IndexedDB or memory) and appends the returned metrics to the outbox in it.
import { classifyCall, classifyChat, missCall, type CallRecord, type Context } from './classify';
import type { ParsedEvent } from './events';
import type { MetricEvent } from './metric-event';
import { closeChat, endOf, hasExpired, type Session } from './session';
import type { Kept, StateStore } from './state';

/** The transaction's surface. Gets must only await the transaction's own requests. */
export interface Tx {
  get<T>(store: StateStore, key: string): Promise<T | undefined>;
  put(store: StateStore, key: string, value: unknown): void;
  del(store: StateStore, key: string): void;
  /** Deletes every key of `store` that sorts before `below`. */
  prune(store: StateStore, below: string): void;
}

/**
 * A page's replay marker guards the replay of its stash, which the next page load takes: a
 * month covers any page load that could still find one. Page ids start with their creation
 * time in base 36 (tracker.ts), so the markers of older pages are one key range.
 */
const MARKER_LIFETIME_MS = 30 * 86_400_000;

/**
 * `tab` and `seq` number the work a tracker queued, so work replayed after a page died
 * (see stash.ts) is applied once even if its first transaction did commit.
 */
export type Work = { at: number; tab?: string; seq?: number } & (
  /**
   * A widget event, with the URL of the page it happened on; stashed, with its page instead
   * (see tracker.ts): no query string or hash outlives the page.
   */
  | { kind: 'event'; event: ParsedEvent; href?: string; page?: string }
  /** The tracker starting, or the page becoming visible. */
  | { kind: 'activity' }
  /** The idle timer: end the session if it has expired, start none. */
  | { kind: 'check' }
  /** endSession(). */
  | { kind: 'end' }
);

export interface Rules {
  orgId: string;
  sessionTimeoutMs: number;
  newId: () => string;
  pageOf: (href: string) => string;
}

export interface Applied {
  metrics: MetricEvent[];
  /** Call events naming a call never offered or requested here. */
  unknowns: ParsedEvent[];
  /** Events stamped before the end of the visitor's last closed session: counted nothing. */
  late: ParsedEvent[];
  /** When the open session will expire if nothing happens, or undefined with no session. */
  expiresAt?: number;
}

export async function apply(tx: Tx, work: Work[], rules: Rules): Promise<Applied> {
  const { sessionTimeoutMs: timeoutMs, newId } = rules;
  let visitorId = await tx.get<string>('kv', 'visitor');
  if (!visitorId) tx.put('kv', 'visitor', (visitorId = newId()));
  let session = await tx.get<Session>('kv', 'session');
  /** When the visitor's last session ended (see below). */
  let closedAt = (await tx.get<number>('kv', 'closed')) ?? 0;
  const now = Date.now();
  const out: Applied = { metrics: [], unknowns: [], late: [] };
  /** The highest `seq` applied per page, in this drain. */
  const applied = new Map<string, number>();
  const context = (s: Session, at: number, page = ''): Context => ({ orgId: rules.orgId, visitorId: visitorId as string, sessionId: s.id, page, at, newId });

  const close = async (s: Session, at: number) => {
    const ctx = context(s, at);
    out.metrics.push(...closeChat(s, ctx));
    for (const callId of s.waiting) {
      const call = await tx.get<CallRecord>('calls', callId);
      if (!call || call.outcome) continue;
      const step = missCall(call, callId, 'session_end', ctx);
      tx.put('calls', callId, step.call);
      out.metrics.push(...step.metrics);
    }
    // The state of the session before it can no longer matter: a visitor coming back daily
    // must not grow the database for good. (A session that stored nothing, a visit without the
    // widget, keeps the one before: its history may still be rendered again.)
    if (s.kept) {
      (await tx.get<Kept>('kv', 'kept'))?.forEach(([store, key]) => tx.del(store, key));
      tx.put('kv', 'kept', s.kept);
    }
    tx.prune('applied', (Date.now() - MARKER_LIFETIME_MS).toString(36));
    session = undefined;
    closedAt = at;
  };

  // Times stored ahead of now by more than a timeout come from a clock that ran ahead and was
  // set right: kept, the session could not end until real time caught up. It ends now, and its
  // end says nothing about which events are late.
  if (closedAt > now) closedAt = 0;
  if (session && session.lastAt > now + timeoutMs) {
    await close(session, now);
    closedAt = 0;
  }

  for (const item of work) {
    const at = item.at;
    if (item.tab && item.seq) {
      const done = applied.get(item.tab) ?? (await tx.get<number>('applied', item.tab)) ?? 0;
      if (item.seq <= done) continue;
      applied.set(item.tab, item.seq);
    }
    // A late event of a session already closed (its missed metrics are out): it must not open
    // another one, stamped before the first ended.
    if (item.kind === 'event' && at < closedAt) {
      out.late.push(item.event);
      continue;
    }
    if (session && (item.kind === 'end' || hasExpired(session, at, timeoutMs))) {
      await close(session, item.kind === 'end' ? Math.max(at, session.lastAt) : endOf(session, timeoutMs));
    }
    if (item.kind === 'end' || item.kind === 'check') continue;
    // Activity: the first one after an end starts a new session; an older `at` never rewinds one.
    if (!session) session = { id: newId(), lastAt: at, waiting: [] };
    else session.lastAt = Math.max(session.lastAt, at);
    if (item.kind !== 'event') continue;

    const e = item.event;
    const ctx = context(session, at, item.page ?? rules.pageOf((e.pageUrl ?? item.href) as string));
    if (e.callId) {
      const call = await tx.get<CallRecord>('calls', e.callId);
      const step = classifyCall(call, e, ctx);
      if (step.unknown) out.unknowns.push(e);
      if (step.call) {
        tx.put('calls', e.callId, step.call);
        if (!call) (session.kept ??= []).push(['calls', e.callId]);
        // Requested calls wait in their session, so its end can miss them.
        if (!call && step.call.origin === 'requested') session.waiting.push(e.callId);
        if (step.call.outcome) session.waiting = session.waiting.filter((id) => id !== e.callId);
      }
      out.metrics.push(...step.metrics);
    } else if (e.from !== 'bot') {
      // A message seen before (a reload re-rendering the history) is not news.
      if (e.messageId) {
        if (await tx.get('msgs', e.messageId)) continue;
        tx.put('msgs', e.messageId, 1); // not `at`: an epoch-0 clock would read as unseen
        (session.kept ??= []).push(['msgs', e.messageId]);
      }
      const step = classifyChat(session.chat, e, ctx);
      session.chat = step.chat;
      out.metrics.push(...step.metrics);
    }
  }

  // One write per page, not per event.
  applied.forEach((seq, tab) => tx.put('applied', tab, seq));
  tx.put('kv', 'closed', closedAt);
  if (session) {
    tx.put('kv', 'session', session);
    out.expiresAt = endOf(session, timeoutMs);
  } else {
    tx.del('kv', 'session');
  }
  return out;
}
