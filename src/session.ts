// Visitor session rules (SPEC section 2): one uninterrupted visit shared by every tab, ended by
// `sessionTimeoutMs` without activity. Pure: the caller brings the clock and the storage.
import { metric, type ChatState, type Context } from './classify';
import type { MetricEvent } from './metric-event';
import type { Kept } from './state';

export interface Session {
  id: string;
  /** Latest activity, epoch ms. Never moves backwards. */
  lastAt: number;
  chat?: ChatState;
  /** Requested calls of this session still waiting for an outcome. */
  waiting: string[];
  /**
   * The message ids and calls this session stored. Kept through the next session that stores
   * its own (a widget may render the history again as the visitor comes back), then pruned.
   */
  kept?: Kept;
}

/** The moment an idle session ended: its last activity plus the timeout. */
export const endOf = (session: Session, timeoutMs: number): number => session.lastAt + timeoutMs;

export const hasExpired = (session: Session, at: number, timeoutMs: number): boolean =>
  at >= endOf(session, timeoutMs);

/** A session that ends with an unanswered inbound chat request misses it. */
export function closeChat(session: Session, ctx: Context): MetricEvent[] {
  const chat = session.chat;
  return chat && chat.kind === 'inbound' && !chat.done
    ? [metric('inbound_chat_missed', ctx, { page: chat.page, conversationId: chat.conversationId, reason: 'session_end' })]
    : [];
}
