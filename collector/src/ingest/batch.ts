// What a batch must look like (SPEC section 5). Each check names the first field it finds
// wrong, so a client's developer sees what to fix: `events[3].metric is not a known metric`.
import { METRICS, type MetricEvent } from 'engage-tracker/metrics';
import { metricColumns, parseInstant } from '../query/spec.js';

const METRIC_NAMES = new Set<string>(METRICS.filter((m) => !m.derived).map((m) => m.name));
/** The metrics counted per rep: the only ones that carry a repId (SPEC section 5). */
const PER_REP = new Set(metricColumns('rep'));
const REASONS = ['canceled', 'timeout', 'ended', 'session_end'];

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface BatchProblem {
  message: string;
  /** The index of the event at fault, when one is. */
  index?: number;
}

/** What is wrong with one metric event, as the rest of a sentence ("… must be a string"), or undefined. */
export function eventProblem(e: unknown): string | undefined {
  if (!isObject(e)) return ' must be an object';
  for (const key of ['id', 'orgId', 'visitorId', 'sessionId']) {
    if (typeof e[key] !== 'string' || e[key] === '') return `.${key} must be a non-empty string`;
  }
  if (typeof e.metric !== 'string' || !METRIC_NAMES.has(e.metric)) return '.metric is not a known metric';
  if (typeof e.page !== 'string') return '.page must be a string';
  // The same instants the read API takes: a day the calendar lacks (2026-02-30) is refused, not rolled over.
  if (typeof e.occurredAt !== 'string' || parseInstant(e.occurredAt) === undefined) return '.occurredAt must be an ISO 8601 date-time';
  for (const key of ['repId', 'callId', 'conversationId']) {
    if (Object.hasOwn(e, key) && typeof e[key] !== 'string') return `.${key} must be a string when present`;
  }
  if (Object.hasOwn(e, 'reason') && !REASONS.includes(e.reason as string)) return `.reason must be one of ${REASONS.join(', ')}`;
  // Which fields each metric carries (SPEC section 5): a client that mixes them up counts wrong.
  const call = e.metric.includes('_call_');
  if (call !== Object.hasOwn(e, 'callId')) return call ? `.callId is required on ${e.metric}` : `.callId is for call metrics only, not ${e.metric}`;
  const missed = e.metric.endsWith('_missed');
  if (missed !== Object.hasOwn(e, 'reason')) return missed ? `.reason is required on ${e.metric}` : `.reason is for missed metrics only, not ${e.metric}`;
  if (Object.hasOwn(e, 'repId') && !PER_REP.has(e.metric)) return `.repId is for metrics counted per rep, not ${e.metric}`;
  return undefined;
}

export interface CheckedBatch {
  sentAt: string;
  events: MetricEvent[];
}

/** A parsed request body -> its events, or the first problem found. */
export function checkBatch(body: unknown): CheckedBatch | { problem: BatchProblem } {
  if (!isObject(body)) return { problem: { message: 'the body must be a JSON object' } };
  const sdk = body.sdk;
  if (!isObject(sdk)) return { problem: { message: 'sdk must be an object' } };
  for (const key of ['name', 'version']) {
    if (typeof sdk[key] !== 'string') return { problem: { message: `sdk.${key} must be a string` } };
  }
  if (typeof body.sentAt !== 'string') return { problem: { message: 'sentAt must be a string' } };
  if (!Array.isArray(body.events)) return { problem: { message: 'events must be an array' } };
  for (let i = 0; i < body.events.length; i++) {
    const problem = eventProblem(body.events[i]);
    if (problem) return { problem: { message: `events[${i}]${problem}`, index: i } };
  }
  return { sentAt: body.sentAt, events: body.events as MetricEvent[] };
}
