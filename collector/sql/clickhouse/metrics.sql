-- The metric table (see ../duckdb/metrics.sql for the meaning of each column and parameter).
-- Every value is a bound parameter: {by:String}, {bucket:String}, {tz:String},
-- {from_ms:Nullable(Int64)}, {to_ms:Nullable(Int64)}, {org:Nullable(String)}.
-- FINAL dedupes the rows a ReplacingMergeTree has not merged yet (README "Dedupe on ClickHouse").
SELECT
  org_id,
  row_key,
  bucket_ms,
  sumIf(n, metric = 'proactive_call_attempted') AS proactive_call_attempted,
  sumIf(n, metric = 'proactive_call_accepted') AS proactive_call_accepted,
  sumIf(n, metric = 'inbound_call_requested') AS inbound_call_requested,
  sumIf(n, metric = 'inbound_call_answered') AS inbound_call_answered,
  sumIf(n, metric = 'inbound_call_missed') AS inbound_call_missed,
  sumIf(n, metric = 'proactive_chat_attempted') AS proactive_chat_attempted,
  sumIf(n, metric = 'proactive_chat_accepted') AS proactive_chat_accepted,
  sumIf(n, metric = 'inbound_chat_requested') AS inbound_chat_requested,
  sumIf(n, metric = 'inbound_chat_answered') AS inbound_chat_answered,
  sumIf(n, metric = 'inbound_chat_missed') AS inbound_chat_missed,
  sumIf(n, metric IN ('proactive_call_attempted', 'inbound_call_answered')) AS calls_held,
  sumIf(n, metric IN ('proactive_chat_accepted', 'inbound_chat_answered')) AS chats_held
FROM (
  SELECT
    org_id,
    row_key,
    multiIf(
      {bucket:String} = 'hour', toUnixTimestamp(toStartOfHour(toTimeZone(quarter, {tz:String}))) * 1000,
      {bucket:String} = 'day', toUnixTimestamp(toStartOfDay(toTimeZone(quarter, {tz:String}))) * 1000,
      {bucket:String} = 'week', toUnixTimestamp(toDateTime(toStartOfWeek(toTimeZone(quarter, {tz:String}), 1), {tz:String})) * 1000,
      {bucket:String} = 'month', toUnixTimestamp(toDateTime(toStartOfMonth(toTimeZone(quarter, {tz:String})), {tz:String})) * 1000,
      NULL
    ) AS bucket_ms,
    metric,
    n
  FROM (
    -- Counted per quarter hour first: every zone's offsets and DST changes fall on quarter
    -- hours, so the zone arithmetic above runs once per quarter and key, not per event.
    SELECT
      org_id,
      multiIf({by:String} = 'rep', rep_id, {by:String} = 'page', page, '') AS row_key,
      toStartOfInterval(occurred_at, INTERVAL 15 MINUTE) AS quarter,
      metric,
      count() AS n
    FROM events FINAL
    WHERE ({org:Nullable(String)} IS NULL OR org_id = {org:Nullable(String)})
      AND ({from_ms:Nullable(Int64)} IS NULL OR occurred_at >= fromUnixTimestamp64Milli(assumeNotNull({from_ms:Nullable(Int64)}), 'UTC'))
      AND ({to_ms:Nullable(Int64)} IS NULL OR occurred_at < fromUnixTimestamp64Milli(assumeNotNull({to_ms:Nullable(Int64)}), 'UTC'))
      AND ({by:String} != 'rep' OR metric NOT IN ('inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed'))
    GROUP BY org_id, row_key, quarter, metric
  )
  WHERE row_key IS NOT NULL
)
GROUP BY org_id, row_key, bucket_ms
