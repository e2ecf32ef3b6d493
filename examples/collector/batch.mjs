// What a batch must look like (SPEC section 5). Each check names the first field it finds
// wrong, so a client's developer sees what to fix: `events[3].metric is not a known metric`.
import { METRICS } from './metrics.mjs';

/** @typedef {import('../../src/metric-event').MetricEvent} MetricEvent */

const METRIC_NAMES = new Set(METRICS.filter((m) => !m.derived).map((m) => m.name));
const REASONS = ['canceled', 'timeout', 'ended', 'session_end'];
// A full date-time with a zone: Date.parse alone accepts "2026" or "Nov 24".
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const has = (object, key) => Object.hasOwn(object, key);

/**
 * What is wrong with one metric event, as the rest of a sentence ("… must be a string"), or
 * undefined when nothing is.
 * @param {unknown} e
 * @returns {string | undefined}
 */
export function eventProblem(e) {
  if (!isObject(e)) return ' must be an object';
  for (const key of ['id', 'orgId', 'visitorId', 'sessionId']) {
    if (typeof e[key] !== 'string' || e[key] === '') return `.${key} must be a non-empty string`;
  }
  if (!METRIC_NAMES.has(e.metric)) return '.metric is not a known metric';
  if (typeof e.page !== 'string') return '.page must be a string';
  if (typeof e.occurredAt !== 'string' || !ISO_DATE_TIME.test(e.occurredAt) || Number.isNaN(Date.parse(e.occurredAt))) {
    return '.occurredAt must be an ISO 8601 date-time';
  }
  for (const key of ['repId', 'callId', 'conversationId']) {
    if (has(e, key) && typeof e[key] !== 'string') return `.${key} must be a string when present`;
  }
  if (has(e, 'reason') && !REASONS.includes(e.reason)) return `.reason must be one of ${REASONS.join(', ')}`;
  return undefined;
}

/**
 * A parsed request body → its events, or the first problem found.
 * @param {unknown} body
 * @returns {{ events: MetricEvent[] } | { error: string }}
 */
export function checkBatch(body) {
  if (!isObject(body)) return { error: 'the body must be a JSON object' };
  if (!isObject(body.sdk)) return { error: 'sdk must be an object' };
  for (const key of ['name', 'version']) {
    if (typeof body.sdk[key] !== 'string') return { error: `sdk.${key} must be a string` };
  }
  if (typeof body.sentAt !== 'string') return { error: 'sentAt must be a string' };
  if (!Array.isArray(body.events)) return { error: 'events must be an array' };
  for (let i = 0; i < body.events.length; i++) {
    const problem = eventProblem(body.events[i]);
    if (problem) return { error: `events[${i}]${problem}` };
  }
  return { events: body.events };
}
