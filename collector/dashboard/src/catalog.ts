// The seed's metrics as the page shows them: names, definitions, grouping, and the rates a
// lead reads first. Labels equal METRICS' (a test keeps them equal); the definitions are the
// seed's sentences, shown on hover and focus.

export type MetricId =
  | 'proactive_call_attempted'
  | 'proactive_call_accepted'
  | 'inbound_call_requested'
  | 'inbound_call_answered'
  | 'inbound_call_missed'
  | 'proactive_chat_attempted'
  | 'proactive_chat_accepted'
  | 'inbound_chat_requested'
  | 'inbound_chat_answered'
  | 'inbound_chat_missed'
  | 'calls_held'
  | 'chats_held';

export interface MetricInfo {
  id: MetricId;
  label: string;
  /** A short column heading. */
  short: string;
  definition: string;
  /** Available for individual users (SPEC section 4): a leaderboard column. */
  perRep: boolean;
}

const m = (id: MetricId, label: string, short: string, perRep: boolean, definition: string): MetricInfo =>
  Object.freeze({ id, label, short, perRep, definition });

export const METRIC_INFO: Readonly<Record<MetricId, MetricInfo>> = Object.freeze({
  proactive_call_attempted: m('proactive_call_attempted', 'Proactive Website Calls Attempted', 'Proactive calls attempted', true,
    'Counts every time a rep initiates a website call with a visitor, regardless of the outcome.'),
  proactive_call_accepted: m('proactive_call_accepted', 'Proactive Website Calls Accepted', 'Proactive calls accepted', true,
    'Counts proactive website calls that visitors accept when offered by a rep.'),
  inbound_call_requested: m('inbound_call_requested', 'Inbound Website Calls Requested', 'Inbound calls requested', false,
    'Counts when a visitor initiates a website call, even if later canceled.'),
  inbound_call_missed: m('inbound_call_missed', 'Inbound Website Calls Missed', 'Inbound calls missed', false,
    'Counts instances where a visitor waits for a website call connection but no rep answers.'),
  inbound_call_answered: m('inbound_call_answered', 'Inbound Website Calls Answered', 'Inbound calls answered', true,
    'Counts when a rep answers an inbound website call: once the rep clicks "Answer", whether or not the visitor accepts the connection.'),
  calls_held: m('calls_held', 'Website Calls Held', 'Calls held', true,
    'Sum of Proactive Website Calls Attempted and Inbound Website Calls Answered.'),
  proactive_chat_attempted: m('proactive_chat_attempted', 'Proactive Live Chat Conversations Attempted', 'Proactive chats attempted', true,
    'Counts when a rep sends a message to a visitor before the visitor has sent a message; at most one per visitor session.'),
  proactive_chat_accepted: m('proactive_chat_accepted', 'Proactive Live Chat Conversations Accepted', 'Proactive chats accepted', true,
    "Counts when the visitor responds to the rep's message; at most one per visitor session."),
  inbound_chat_requested: m('inbound_chat_requested', 'Inbound Live Chat Conversations Requested', 'Inbound chats requested', false,
    'Counts when a visitor sends a chat message before being messaged by a rep, regardless of response or outcome; at most one per visitor session.'),
  inbound_chat_missed: m('inbound_chat_missed', 'Inbound Live Chat Conversations Missed', 'Inbound chats missed', false,
    'Counts when a visitor sends a message but does not receive a reply from a rep during the visitor session.'),
  inbound_chat_answered: m('inbound_chat_answered', 'Inbound Live Chat Conversations Answered', 'Inbound chats answered', true,
    "Counts when a human rep responds to a visitor's message during the same visitor session."),
  chats_held: m('chats_held', 'Live Chat Conversations Held', 'Chats held', true,
    'Sum of Proactive Live Chat Conversations Accepted and Inbound Live Chat Conversations Answered.'),
});

export interface MetricSection {
  title: string;
  metrics: readonly MetricId[];
}

export interface MetricGroup {
  title: string;
  sections: readonly MetricSection[];
}

/** As the seed groups them, in its order. */
export const GROUPS: readonly MetricGroup[] = [
  {
    title: 'Live website calls',
    sections: [
      { title: 'Proactive website calls (rep → visitor)', metrics: ['proactive_call_attempted', 'proactive_call_accepted'] },
      { title: 'Inbound website calls (visitor → rep)', metrics: ['inbound_call_requested', 'inbound_call_missed', 'inbound_call_answered'] },
      { title: 'All website calls', metrics: ['calls_held'] },
    ],
  },
  {
    title: 'Live chat conversations',
    sections: [
      { title: 'Proactive live chat conversations (rep → visitor)', metrics: ['proactive_chat_attempted', 'proactive_chat_accepted'] },
      { title: 'Inbound live chat conversations (visitor → rep)', metrics: ['inbound_chat_requested', 'inbound_chat_missed', 'inbound_chat_answered'] },
      { title: 'All live chat conversations', metrics: ['chats_held'] },
    ],
  },
];

/** Every metric in the order of a row's `counts`. */
export const ALL_METRICS: readonly MetricId[] = [
  'proactive_call_attempted',
  'proactive_call_accepted',
  'inbound_call_requested',
  'inbound_call_answered',
  'inbound_call_missed',
  'proactive_chat_attempted',
  'proactive_chat_accepted',
  'inbound_chat_requested',
  'inbound_chat_answered',
  'inbound_chat_missed',
  'calls_held',
  'chats_held',
];

export const REP_METRICS: readonly MetricId[] = ALL_METRICS.filter((id) => METRIC_INFO[id].perRep);

export const isMetricId = (v: unknown): v is MetricId => typeof v === 'string' && (ALL_METRICS as readonly string[]).includes(v);

export interface RateInfo {
  id: string;
  label: string;
  numerator: MetricId;
  denominator: MetricId;
}

/** Derived here from the seed's counts: not metrics of the seed themselves. */
export const RATES: readonly RateInfo[] = [
  { id: 'proactive_call_acceptance', label: 'Proactive call acceptance', numerator: 'proactive_call_accepted', denominator: 'proactive_call_attempted' },
  { id: 'inbound_call_answer_rate', label: 'Inbound call answer rate', numerator: 'inbound_call_answered', denominator: 'inbound_call_requested' },
  { id: 'missed_call_rate', label: 'Missed-call rate', numerator: 'inbound_call_missed', denominator: 'inbound_call_requested' },
  { id: 'proactive_chat_acceptance', label: 'Proactive chat acceptance', numerator: 'proactive_chat_accepted', denominator: 'proactive_chat_attempted' },
  { id: 'inbound_chat_answer_rate', label: 'Inbound chat answer rate', numerator: 'inbound_chat_answered', denominator: 'inbound_chat_requested' },
];
