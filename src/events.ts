// Widget events (SPEC section 3): their public types, and parseEvent(), which turns an
// untrusted object into a normalized event or says why it is not one.
import { attempt } from './attempt';
import { DEBUG } from './debug';

interface Common {
  /** When it happened: epoch ms or ISO string. Default: now. */
  at?: number | string;
  /** Carried onto chat metrics. */
  conversationId?: string;
  /** The visitor's page, for trackers running inside a widget iframe. Only its path is kept. */
  pageUrl?: string;
  /** The org the event is for: a tracker of another org on the page ignores it. */
  orgId?: string;
}

export type CallEventType =
  | 'call.offered'
  | 'call.accepted'
  | 'call.declined'
  | 'call.requested'
  | 'call.answered'
  | 'call.canceled'
  | 'call.timeout'
  | 'call.ended';

export type WidgetEvent =
  | (Common & { type: 'call.offered' | 'call.answered'; callId: string; repId: string })
  | (Common & { type: Exclude<CallEventType, 'call.offered' | 'call.answered'>; callId: string })
  | (Common & { type: 'chat.message'; from: 'visitor' | 'bot'; messageId?: string })
  | (Common & { type: 'chat.message'; from: 'rep'; repId: string; messageId?: string });

/** The normalized copy the SDK works on: own fields only, `at` in epoch ms. */
export interface ParsedEvent {
  type: WidgetEvent['type'];
  at: number;
  callId?: string;
  repId?: string;
  from?: 'visitor' | 'rep' | 'bot';
  messageId?: string;
  conversationId?: string;
  pageUrl?: string;
  orgId?: string;
}

export const MAX_ID_LENGTH = 256;
const MAX_URL_LENGTH = 4096;
/** The call event types: the first two need a `repId`, the others never carry one. */
const CALLS: unknown[] = ['call.offered', 'call.answered', 'call.accepted', 'call.declined', 'call.requested', 'call.canceled', 'call.timeout', 'call.ended'];
const FROM: unknown[] = ['visitor', 'rep', 'bot'];

/** Whether `value` may be an id field: a string of 1 to MAX_ID_LENGTH characters, or absent when optional. */
const isId = (value: unknown, required: boolean): boolean =>
  (value == null && !required) || (typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH);

/**
 * A normalized event, or a sentence saying what is wrong with the input. On every track(), and
 * a burst runs it hundreds of times before the engine optimizes it: so every field is read and
 * written by its name (a key held in a variable costs a slow generic lookup in cold code), and
 * nothing is allocated but the result.
 */
export function parseEvent(input: unknown, now: number): ParsedEvent | string {
  let e: Record<string, unknown>;
  try {
    if (typeof input !== 'object' || !input || Array.isArray(input)) throw 0;
    // Own enumerable fields only, each read once, into an object that inherits nothing: an
    // inherited `messageId` (a polluted Object.prototype) is not the event's, and a throwing
    // getter or proxy makes it no event.
    e = { __proto__: null, ...input };
  } catch {
    return DEBUG ? 'an event must be an object' : '';
  }
  const { type, from, at, callId, repId, messageId, conversationId, pageUrl, orgId } = e;
  const isChat = type === 'chat.message';
  const call = CALLS.indexOf(type);
  const needsRep = isChat ? from === 'rep' : call < 2;
  if (!isChat && call < 0) return DEBUG ? `unknown event type ${JSON.stringify(String(type)).slice(0, 60)}` : '';
  if (Object.prototype.hasOwnProperty.call(e, '__proto__')) return DEBUG ? 'a "__proto__" key is not allowed' : '';
  if (isChat && !FROM.includes(from)) return DEBUG ? 'chat.message needs "from": "visitor", "rep" or "bot"' : '';
  // The first id field that is wrong, if any.
  const bad =
    (!isChat && !isId(callId, true) && 'callId') ||
    (needsRep && !isId(repId, true) && 'repId') ||
    (isChat && !isId(messageId, false) && 'messageId') ||
    (!isId(conversationId, false) && 'conversationId') ||
    (!isId(orgId, false) && 'orgId');
  if (bad) return DEBUG ? `${type} needs "${bad}": a string of 1 to ${MAX_ID_LENGTH} characters` : '';
  if (pageUrl != null && !(typeof pageUrl === 'string' && pageUrl && pageUrl.length <= MAX_URL_LENGTH && attempt(() => new URL(pageUrl, 'http://a')))) {
    return DEBUG ? `"pageUrl" must be a URL of 1 to ${MAX_URL_LENGTH} characters` : '';
  }
  let ms = now;
  if (at != null) {
    ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
    // Date's own range: beyond it no ISO string exists (and NaN fails the test too).
    if (!(Math.abs(ms) <= 8.64e15)) return DEBUG ? '"at" must be epoch ms or an ISO date' : '';
  }
  // Only the fields the type has: a chat message's stray callId must not make it a call.
  const out = { __proto__: null, type, at: ms } as ParsedEvent; // inherits nothing either
  if (isChat) out.from = from as ParsedEvent['from'];
  else out.callId = callId as string;
  if (needsRep) out.repId = repId as string;
  if (isChat && messageId != null) out.messageId = messageId as string;
  if (conversationId != null) out.conversationId = conversationId as string;
  if (pageUrl != null) out.pageUrl = pageUrl;
  if (orgId != null) out.orgId = orgId as string;
  return out;
}
