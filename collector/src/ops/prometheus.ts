// The collector's own numbers in the Prometheus text format (GET /metrics, admin token):
// events stored, duplicates, batches rejected by reason, and how long a batch takes from its
// arrival to its answer. Counters only grow; nothing here names an org (no label to leak one).

/** Upper bounds of the latency histogram, in seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface CollectorMetrics {
  stored(events: number, duplicates: number): void;
  /** A batch refused: `reason` is the error code of the answer (invalid_key, too_large…). */
  rejected(reason: string): void;
  /** Seconds from a batch's arrival to its answer (any answer). */
  batchLatency(seconds: number): void;
  /** The text of GET /metrics. */
  render(): string;
}

export function createCollectorMetrics(): CollectorMetrics {
  let stored = 0;
  let duplicates = 0;
  const rejected = new Map<string, number>();
  const buckets = LATENCY_BUCKETS.map(() => 0);
  let latencySum = 0;
  let latencyCount = 0;
  return {
    stored(events, dupes) {
      stored += events;
      duplicates += dupes;
    },
    rejected(reason) {
      rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
    },
    batchLatency(seconds) {
      LATENCY_BUCKETS.forEach((bound, i) => seconds <= bound && buckets[i]++);
      latencySum += seconds;
      latencyCount++;
    },
    render() {
      const lines = [
        '# HELP engage_events_stored_total Metric events stored (first time seen for their org and id).',
        '# TYPE engage_events_stored_total counter',
        `engage_events_stored_total ${stored}`,
        '# HELP engage_events_duplicate_total Metric events received again (same org and id), not stored twice.',
        '# TYPE engage_events_duplicate_total counter',
        `engage_events_duplicate_total ${duplicates}`,
        '# HELP engage_batches_rejected_total Batches answered with an error, by the error code.',
        '# TYPE engage_batches_rejected_total counter',
        ...[...rejected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([reason, n]) => `engage_batches_rejected_total{reason="${reason}"} ${n}`),
        '# HELP engage_batch_duration_seconds Time from a batch arriving to its answer.',
        '# TYPE engage_batch_duration_seconds histogram',
        ...LATENCY_BUCKETS.map((bound, i) => `engage_batch_duration_seconds_bucket{le="${bound}"} ${buckets[i]}`),
        `engage_batch_duration_seconds_bucket{le="+Inf"} ${latencyCount}`,
        `engage_batch_duration_seconds_sum ${latencySum}`,
        `engage_batch_duration_seconds_count ${latencyCount}`,
      ];
      return lines.join('\n') + '\n';
    },
  };
}
