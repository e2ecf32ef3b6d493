// Widget events (SPEC section 3): their public types, and parseEvent(), which turns an
// untrusted object into a normalized event or says why it is not one.

interface Common {
  /** When it happened: epoch ms or ISO string. Default: now. */
  at?: number | string;
  /** Carried onto chat metrics. */
  conversationId?: string;
  /** The visitor's page, for trackers running inside a widget iframe. Only its path is kept. */
  pageUrl?: string;
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
}

export const MAX_ID_LENGTH = 256;
const MAX_URL_LENGTH = 4096;
/** Each type's id fields, with whether they are required. */
type Fields = [key: 'callId' | 'repId' | 'messageId' | 'conversationId', required: boolean][];
const CALL: Fields = [['callId', true], ['conversationId', false]];
const CALL_REP: Fields = [['callId', true], ['repId', true], ['conversationId', false]];
const CHAT: Fields = [['messageId', false], ['conversationId', false]];
const CHAT_REP: Fields = [['repId', true], ...CHAT];
const FIELDS = new Map<unknown, Fields>([
  ['call.offered', CALL_REP],
  ['call.accepted', CALL],
  ['call.declined', CALL],
  ['call.requested', CALL],
  ['call.answered', CALL_REP],
  ['call.canceled', CALL],
  ['call.timeout', CALL],
  ['call.ended', CALL],
  ['chat.message', CHAT],
]);
const FROM: unknown[] = ['visitor', 'rep', 'bot'];

const isId = (value: unknown): value is string => typeof value === 'string' && value !== '' && value.length <= MAX_ID_LENGTH;

/**
 * A normalized event, or a sentence saying what is wrong with the input. On every track():
 * kept to few steps and no allocation but the result, since a burst of events runs it before
 * the engine has optimized it.
 */
export function parseEvent(input: unknown, now: number): ParsedEvent | string {
  if (typeof input !== 'object' || !input || Array.isArray(input)) return 'an event must be an object';
  const e = input as Record<string, unknown>;
  const { type, from, at } = e;
  let fields = FIELDS.get(type);
  if (!fields) return `unknown event type ${JSON.stringify(String(type)).slice(0, 60)}`;
  if (Object.prototype.hasOwnProperty.call(e, '__proto__')) return 'an event must not have a "__proto__" key';
  const out = { type, at: now } as ParsedEvent;
  if (fields === CHAT) {
    if (!FROM.includes(from)) return 'chat.message needs "from": "visitor", "rep" or "bot"';
    out.from = from as ParsedEvent['from'];
    if (from === 'rep') fields = CHAT_REP;
  }
  // Indexed, not for-of with destructuring: iterators are slow before the code is optimized.
  for (let i = 0; i < fields.length; i++) {
    const key = fields[i][0];
    const required = fields[i][1];
    const value = e[key];
    if (value == null && !required) continue;
    if (!isId(value)) return `${type} needs "${key}" as a string of 1 to ${MAX_ID_LENGTH} characters`;
    out[key] = value;
  }
  if (e.pageUrl != null) {
    if (typeof e.pageUrl !== 'string' || e.pageUrl.length > MAX_URL_LENGTH) return `"pageUrl" must be a URL string of at most ${MAX_URL_LENGTH} characters`;
    out.pageUrl = e.pageUrl;
  }
  if (at != null) {
    const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : NaN;
    // Date's own range: beyond it no ISO string exists (and NaN fails the test too).
    if (!(Math.abs(ms) <= 8.64e15)) return '"at" must be epoch milliseconds or an ISO date string';
    out.at = ms;
  }
  return out;
}
