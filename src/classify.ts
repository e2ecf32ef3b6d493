// The rules of SPEC section 4 as pure functions: (state, event, context) → (state, metrics).
// No I/O and no clock: apply.ts feeds them what IndexedDB holds and stores what they return.
import type { ParsedEvent } from './events';
import type { MetricEvent, MetricName, MissedReason } from './metric-event';

/** Everything a metric needs besides the rule's own fields. */
export interface Context {
  orgId: string;
  visitorId: string;
  sessionId: string;
  page: string;
  at: number;
  conversationId?: string;
  newId: () => string;
}

/** A call outlives its session: one record per callId, kept as long as the storage. */
export interface CallRecord {
  origin: 'offered' | 'requested';
  /** The offering rep (proactive calls). */
  repId?: string;
  /** Where the call was offered or requested: missed metrics carry this page. */
  page: string;
  /** Set by the first outcome; later outcomes change nothing. */
  outcome?: 'accepted' | 'answered' | 'missed' | 'over';
}

/** Who opened the session's chat decides its direction; `done` once it was accepted or answered. */
export interface ChatState {
  kind: 'proactive' | 'inbound';
  repId?: string;
  page: string;
  conversationId?: string;
  done?: boolean;
}

type Extra = Partial<Pick<MetricEvent, 'repId' | 'callId' | 'reason' | 'page' | 'conversationId'>>;

export function metric(name: MetricName, ctx: Context, extra: Extra): MetricEvent {
  // In the documented key order (the JSON keeps it), without the keys this metric lacks.
  const event: Record<string, unknown> = {
    id: ctx.newId(),
    metric: name,
    orgId: ctx.orgId,
    visitorId: ctx.visitorId,
    sessionId: ctx.sessionId,
    repId: extra.repId,
    page: extra.page ?? ctx.page,
    callId: extra.callId,
    conversationId: extra.conversationId,
    reason: extra.reason,
    occurredAt: new Date(ctx.at).toISOString(),
  };
  for (const key in event) if (event[key] === undefined) delete event[key];
  return event as unknown as MetricEvent;
}

export interface CallStep {
  /** The record to store, when it changed. */
  call?: CallRecord;
  metrics: MetricEvent[];
  /** The event named a call this visitor never offered or requested. */
  unknown?: boolean;
}

const NOTHING: CallStep = { metrics: [] };
/** The call events that end a call: their names after "call." are the reasons missed calls carry. */
const ENDINGS: unknown[] = ['call.canceled', 'call.timeout', 'call.ended'];

export function classifyCall(call: CallRecord | undefined, e: ParsedEvent, ctx: Context): CallStep {
  const callId = e.callId;
  if (!call) {
    if (e.type === 'call.offered') {
      return {
        call: { origin: 'offered', repId: e.repId, page: ctx.page },
        metrics: [metric('proactive_call_attempted', ctx, { repId: e.repId, callId })],
      };
    }
    if (e.type === 'call.requested') {
      return { call: { origin: 'requested', page: ctx.page }, metrics: [metric('inbound_call_requested', ctx, { callId })] };
    }
    return { metrics: [], unknown: true };
  }
  // Offered or requested twice, or anything after the first outcome: counted already.
  if (call.outcome) return NOTHING;
  const reason = ENDINGS.includes(e.type) && (e.type.slice(5) as MissedReason);
  if (call.origin === 'offered') {
    if (e.type === 'call.accepted') {
      return {
        call: { ...call, outcome: 'accepted' },
        metrics: [metric('proactive_call_accepted', ctx, { repId: call.repId, callId })],
      };
    }
    // Declined or over before the visitor accepted: a later accept would be noise.
    return reason || e.type === 'call.declined' ? { call: { ...call, outcome: 'over' }, metrics: [] } : NOTHING;
  }
  if (e.type === 'call.answered') {
    return {
      call: { ...call, outcome: 'answered' },
      metrics: [metric('inbound_call_answered', ctx, { repId: e.repId, callId })],
    };
  }
  return reason ? missCall(call, callId as string, reason, ctx) : NOTHING;
}

/** A requested call that ended unanswered; the page is the one it was requested on. */
export function missCall(call: CallRecord, callId: string, reason: MissedReason, ctx: Context): CallStep {
  return {
    call: { ...call, outcome: 'missed' },
    metrics: [metric('inbound_call_missed', ctx, { callId, reason, page: call.page })],
  };
}

export interface ChatStep {
  chat: ChatState | undefined;
  metrics: MetricEvent[];
}

export function classifyChat(chat: ChatState | undefined, e: ParsedEvent, ctx: Context): ChatStep {
  const conversationId = e.conversationId ?? chat?.conversationId;
  const fromRep = e.from === 'rep';
  // Bots neither open nor answer a conversation.
  if (e.from === 'bot' || chat?.done) return { chat, metrics: [] };
  if (!chat) {
    const kind = fromRep ? 'proactive' : 'inbound';
    return {
      chat: { kind, repId: e.repId, page: ctx.page, conversationId },
      metrics: [metric(fromRep ? 'proactive_chat_attempted' : 'inbound_chat_requested', ctx, { repId: e.repId, conversationId })],
    };
  }
  if (chat.kind === 'proactive' && !fromRep) {
    return {
      chat: { ...chat, done: true },
      metrics: [metric('proactive_chat_accepted', ctx, { repId: chat.repId, conversationId })],
    };
  }
  if (chat.kind === 'inbound' && fromRep) {
    return {
      chat: { ...chat, done: true },
      metrics: [metric('inbound_chat_answered', ctx, { repId: e.repId, conversationId })],
    };
  }
  // The widget may give the conversation its id only on a later message.
  return { chat: chat.conversationId ? chat : { ...chat, conversationId }, metrics: [] };
}
