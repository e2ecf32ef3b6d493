// The seed's metrics as the page shows them: names, definitions, grouping, and the rates a
// lead reads first. Names, labels and dimensions come from METRICS (engage-tracker/metrics);
// the definitions are the seed's sentences, shown on hover and focus.
import { METRICS, type CountedMetricName } from 'engage-tracker/metrics';

export type MetricId = CountedMetricName;

export interface MetricInfo {
  id: MetricId;
  label: string;
  /** A short column heading. */
  short: string;
  definition: string;
  /** Available for individual users (SPEC section 4): a leaderboard column. */
  perRep: boolean;
}

/** What the page adds to METRICS: a column heading and the seed's definition. */
const WORDS: Readonly<Record<MetricId, { short: string; definition: string }>> = {
  proactive_call_attempted: { short: 'Proactive calls attempted', definition:
    'Counts every time a rep initiates a website call with a visitor, regardless of the outcome.' },
  proactive_call_accepted: { short: 'Proactive calls accepted', definition:
    'Counts proactive website calls that visitors accept when offered by a rep.' },
  inbound_call_requested: { short: 'Inbound calls requested', definition:
    'Counts when a visitor initiates a website call, even if later canceled.' },
  inbound_call_missed: { short: 'Inbound calls missed', definition:
    'Counts instances where a visitor waits for a website call connection but no rep answers.' },
  inbound_call_answered: { short: 'Inbound calls answered', definition:
    'Counts when a rep answers an inbound website call: once the rep clicks "Answer", whether or not the visitor accepts the connection.' },
  calls_held: { short: 'Calls held', definition:
    'Sum of Proactive Website Calls Attempted and Inbound Website Calls Answered.' },
  proactive_chat_attempted: { short: 'Proactive chats attempted', definition:
    'Counts when a rep sends a message to a visitor before the visitor has sent a message; at most one per visitor session.' },
  proactive_chat_accepted: { short: 'Proactive chats accepted', definition:
    "Counts when the visitor responds to the rep's message; at most one per visitor session." },
  inbound_chat_requested: { short: 'Inbound chats requested', definition:
    'Counts when a visitor sends a chat message before being messaged by a rep, regardless of response or outcome; at most one per visitor session.' },
  inbound_chat_missed: { short: 'Inbound chats missed', definition:
    'Counts when a visitor sends a message but does not receive a reply from a rep during the visitor session.' },
  inbound_chat_answered: { short: 'Inbound chats answered', definition:
    "Counts when a human rep responds to a visitor's message during the same visitor session." },
  chats_held: { short: 'Chats held', definition:
    'Sum of Proactive Live Chat Conversations Accepted and Inbound Live Chat Conversations Answered.' },
};

/** Names, seed labels and dimensions from METRICS, the definitions aggregate() counts by. */
export const METRIC_INFO = Object.freeze(
  Object.fromEntries(
    METRICS.map((d) => [d.name, Object.freeze({ id: d.name, label: d.label, perRep: d.dimensions.includes('rep'), ...WORDS[d.name] })]),
  ),
) as Readonly<Record<MetricId, MetricInfo>>;

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
export const ALL_METRICS: readonly MetricId[] = METRICS.map((d) => d.name);

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
