-- The metric table (see ../duckdb/metrics.sql for the meaning of each column and parameter).
-- Every value is a bound parameter: {by:String}, {bucket:String}, {tz:String},
-- {from_ms:Nullable(Int64)}, {to_ms:Nullable(Int64)}, {org:Nullable(String)}.
-- FINAL dedupes the rows a ReplacingMergeTree has not merged yet (README "Dedupe on ClickHouse").
SELECT
  org_id,
  row_key,
  bucket_ms,
  countIf(metric = 'proactive_call_attempted') AS proactive_call_attempted,
  countIf(metric = 'proactive_call_accepted') AS proactive_call_accepted,
  countIf(metric = 'inbound_call_requested') AS inbound_call_requested,
  countIf(metric = 'inbound_call_answered') AS inbound_call_answered,
  countIf(metric = 'inbound_call_missed') AS inbound_call_missed,
  countIf(metric = 'proactive_chat_attempted') AS proactive_chat_attempted,
  countIf(metric = 'proactive_chat_accepted') AS proactive_chat_accepted,
  countIf(metric = 'inbound_chat_requested') AS inbound_chat_requested,
  countIf(metric = 'inbound_chat_answered') AS inbound_chat_answered,
  countIf(metric = 'inbound_chat_missed') AS inbound_chat_missed,
  countIf(metric IN ('proactive_call_attempted', 'inbound_call_answered')) AS calls_held,
  countIf(metric IN ('proactive_chat_accepted', 'inbound_chat_answered')) AS chats_held
FROM (
  SELECT
    org_id,
    multiIf({by:String} = 'rep', rep_id, {by:String} = 'page', page, '') AS row_key,
    multiIf(
      {bucket:String} = 'hour', toUnixTimestamp(toStartOfHour(toTimeZone(occurred_at, {tz:String}))) * 1000,
      {bucket:String} = 'day', toUnixTimestamp(toStartOfDay(toTimeZone(occurred_at, {tz:String}))) * 1000,
      {bucket:String} = 'week', toUnixTimestamp(toDateTime(toStartOfWeek(toTimeZone(occurred_at, {tz:String}), 1), {tz:String})) * 1000,
      {bucket:String} = 'month', toUnixTimestamp(toDateTime(toStartOfMonth(toTimeZone(occurred_at, {tz:String})), {tz:String})) * 1000,
      NULL
    ) AS bucket_ms,
    metric
  FROM events FINAL
  WHERE ({org:Nullable(String)} IS NULL OR org_id = {org:Nullable(String)})
    AND ({from_ms:Nullable(Int64)} IS NULL OR occurred_at >= fromUnixTimestamp64Milli(assumeNotNull({from_ms:Nullable(Int64)}), 'UTC'))
    AND ({to_ms:Nullable(Int64)} IS NULL OR occurred_at < fromUnixTimestamp64Milli(assumeNotNull({to_ms:Nullable(Int64)}), 'UTC'))
    AND ({by:String} != 'rep' OR metric NOT IN ('inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed'))
)
WHERE row_key IS NOT NULL
GROUP BY org_id, row_key, bucket_ms
