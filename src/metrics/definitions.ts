// What each metric means, in the seed's words: its label, direction, channel and the
// dimensions it is available for. aggregate() reads its rules from here, so the table and
// the numbers cannot drift apart.
import type { MetricName } from '../metric-event';

export type Dimension = 'org' | 'rep' | 'page';
export type HeldMetricName = 'calls_held' | 'chats_held';
/** Every key of a row's `counts`: the ten sent metrics and the two derived ones. */
export type CountedMetricName = MetricName | HeldMetricName;
/** The metrics the seed says are not available for individual users. */
export type TeamMetricName =
  | 'inbound_call_requested'
  | 'inbound_call_missed'
  | 'inbound_chat_requested'
  | 'inbound_chat_missed';
export type RepMetricName = Exclude<CountedMetricName, TeamMetricName>;

interface Common {
  readonly label: string;
  readonly channel: 'call' | 'chat';
  readonly dimensions: readonly Dimension[];
}

export interface SentMetricDefinition extends Common {
  readonly name: MetricName;
  readonly direction: 'proactive' | 'inbound';
  readonly derived: false;
}

/** Never sent: computed from the metrics in `sum`. */
export interface DerivedMetricDefinition extends Common {
  readonly name: HeldMetricName;
  readonly direction: 'all';
  readonly derived: true;
  readonly sum: readonly MetricName[];
}

export type MetricDefinition = SentMetricDefinition | DerivedMetricDefinition;

const { freeze } = Object;
const ALL: readonly Dimension[] = freeze(['org', 'rep', 'page']);
const TEAM: readonly Dimension[] = freeze(['org', 'page']);

/** Direction and channel are the first two words of the name: `inbound_call_missed`. */
const sent = (name: MetricName, label: string, dimensions = ALL): SentMetricDefinition => {
  const [direction, channel] = name.split('_') as ['proactive' | 'inbound', 'call' | 'chat'];
  return freeze({ name, label, direction, channel, dimensions, derived: false });
};

const held = (name: HeldMetricName, label: string, channel: 'call' | 'chat', sum: MetricName[]): DerivedMetricDefinition =>
  freeze({ name, label, direction: 'all', channel, dimensions: ALL, derived: true, sum: freeze(sum) });

/**
 * Every metric, in SPEC section 4 order; the derived ones last, as in a row's `counts`. Each
 * missed metric stands two after its request: aggregate() counts a miss by that.
 */
export const METRICS: readonly MetricDefinition[] = freeze([
  sent('proactive_call_attempted', 'Proactive Website Calls Attempted'),
  sent('proactive_call_accepted', 'Proactive Website Calls Accepted'),
  sent('inbound_call_requested', 'Inbound Website Calls Requested', TEAM),
  sent('inbound_call_answered', 'Inbound Website Calls Answered'),
  sent('inbound_call_missed', 'Inbound Website Calls Missed', TEAM),
  sent('proactive_chat_attempted', 'Proactive Live Chat Conversations Attempted'),
  sent('proactive_chat_accepted', 'Proactive Live Chat Conversations Accepted'),
  sent('inbound_chat_requested', 'Inbound Live Chat Conversations Requested', TEAM),
  sent('inbound_chat_answered', 'Inbound Live Chat Conversations Answered'),
  sent('inbound_chat_missed', 'Inbound Live Chat Conversations Missed', TEAM),
  held('calls_held', 'Website Calls Held', 'call', ['proactive_call_attempted', 'inbound_call_answered']),
  held('chats_held', 'Live Chat Conversations Held', 'chat', ['proactive_chat_accepted', 'inbound_chat_answered']),
]);
