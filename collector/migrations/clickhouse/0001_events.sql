-- One row per metric event. ReplacingMergeTree merges rows of the same sorting key in the
-- background only, so a resent event may stay twice on disk for a while: every query reads
-- the table with FINAL, which dedupes at read time (README "Dedupe on ClickHouse").
-- The sorting key is (org_id, id) and there is no partitioning by time: a retried event is
-- corrected with its own batch's sentAt, so its occurred_at can differ by a few milliseconds
-- from the first copy's, and only a key without the time makes the two copies one row. The
-- minmax index on occurred_at lets a time range skip the granules outside it.
-- occurred_at is the corrected time every query uses; the raw client times are kept beside it.
CREATE TABLE IF NOT EXISTS events (
  org_id             String,
  id                 String,
  metric             LowCardinality(String),
  visitor_id         String,
  session_id         String,
  rep_id             Nullable(String),
  page               String,
  call_id            Nullable(String),
  conversation_id    Nullable(String),
  reason             LowCardinality(Nullable(String)),
  occurred_at        DateTime64(3, 'UTC'),
  client_occurred_at String,
  client_sent_at     Nullable(String),
  received_at        DateTime64(3, 'UTC'),
  INDEX occurred_at_range occurred_at TYPE minmax GRANULARITY 4
)
ENGINE = ReplacingMergeTree
ORDER BY (org_id, id)
