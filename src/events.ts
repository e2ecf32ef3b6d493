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

const REQUIRED_IDS: Record<string, string[]> = {
  'call.offered': ['callId', 'repId'],
  'call.answered': ['callId', 'repId'],
  'call.accepted': ['callId'],
  'call.declined': ['callId'],
  'call.requested': ['callId'],
  'call.canceled': ['callId'],
  'call.timeout': ['callId'],
  'call.ended': ['callId'],
  'chat.message': [],
};

const badId = (value: unknown): boolean =>
  typeof value !== 'string' || value === '' || value.length > MAX_ID_LENGTH;

/** A normalized event, or a sentence saying what is wrong with the input. */
export function parseEvent(input: unknown, now: number): ParsedEvent | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'an event must be a plain object';
  if (Object.prototype.hasOwnProperty.call(input, '__proto__')) return 'an event must not have a "__proto__" key';
  const e = input as Record<string, unknown>;
  const type = e.type;
  const required = typeof type === 'string' && Object.prototype.hasOwnProperty.call(REQUIRED_IDS, type) ? REQUIRED_IDS[type] : null;
  if (!required) return `unknown event type ${JSON.stringify(String(type)).slice(0, 60)}`;
  const ids = type === 'chat.message' && e.from === 'rep' ? ['repId'] : required;
  const out: ParsedEvent = { type: type as ParsedEvent['type'], at: now };
  for (const key of ids) {
    if (badId(e[key])) return `${type} needs "${key}" as a non-empty string of at most ${MAX_ID_LENGTH} characters`;
    (out as unknown as Record<string, unknown>)[key] = e[key];
  }
  if (type === 'chat.message') {
    if (e.from !== 'visitor' && e.from !== 'rep' && e.from !== 'bot') return 'chat.message needs "from": "visitor", "rep" or "bot"';
    out.from = e.from;
    if (e.messageId != null) {
      if (badId(e.messageId)) return `"messageId" must be a non-empty string of at most ${MAX_ID_LENGTH} characters`;
      out.messageId = e.messageId as string;
    }
  }
  if (e.conversationId != null) {
    if (badId(e.conversationId)) return `"conversationId" must be a non-empty string of at most ${MAX_ID_LENGTH} characters`;
    out.conversationId = e.conversationId as string;
  }
  if (e.pageUrl != null) {
    if (typeof e.pageUrl !== 'string' || e.pageUrl.length > MAX_URL_LENGTH) return `"pageUrl" must be a URL string of at most ${MAX_URL_LENGTH} characters`;
    out.pageUrl = e.pageUrl;
  }
  if (e.at != null) {
    const at = typeof e.at === 'number' ? e.at : typeof e.at === 'string' ? Date.parse(e.at) : NaN;
    if (!Number.isFinite(at)) return '"at" must be epoch milliseconds or an ISO date string';
    // A clock ahead of ours must not push the session into the future.
    out.at = Math.min(at, now);
  }
  return out;
}
