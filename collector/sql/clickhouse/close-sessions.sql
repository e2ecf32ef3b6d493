-- The misses of sessions nobody came back to end, grouped like metrics.sql; the rules are
-- those of ../duckdb/close-sessions.sql. Parameters as metrics.sql, plus {before_ms:Int64}.
-- The earliest request is the one with the smallest (occurred_at, id), as argMin picks it.
WITH
scope AS (
  SELECT org_id, id, metric, visitor_id, session_id, page, call_id, occurred_at
  FROM events FINAL
  WHERE {org:Nullable(String)} IS NULL OR org_id = {org:Nullable(String)}
),
open_sessions AS (
  SELECT DISTINCT org_id, visitor_id, session_id
  FROM scope
  WHERE occurred_at >= fromUnixTimestamp64Milli({before_ms:Int64}, 'UTC')
),
chat_requests AS (
  SELECT org_id, visitor_id, session_id,
         argMin(page, (occurred_at, id)) AS first_page, min(occurred_at) AS first_at
  FROM scope
  WHERE metric = 'inbound_chat_requested'
  GROUP BY org_id, visitor_id, session_id
),
chats_over AS (
  SELECT DISTINCT org_id, visitor_id, session_id
  FROM scope
  WHERE metric IN ('inbound_chat_answered', 'inbound_chat_missed')
),
call_requests AS (
  SELECT org_id, visitor_id, assumeNotNull(call_id) AS call_key,
         argMin(session_id, (occurred_at, id)) AS first_session_id,
         argMin(page, (occurred_at, id)) AS first_page, min(occurred_at) AS first_at
  FROM scope
  WHERE metric = 'inbound_call_requested' AND call_id IS NOT NULL
  GROUP BY org_id, visitor_id, call_key
),
calls_over AS (
  SELECT DISTINCT org_id, visitor_id, assumeNotNull(call_id) AS call_key
  FROM scope
  WHERE metric IN ('inbound_call_answered', 'inbound_call_missed') AND call_id IS NOT NULL
),
misses AS (
  SELECT r.org_id AS org_id, r.first_page AS page, r.first_at AS occurred_at, 'inbound_chat_missed' AS metric
  FROM chat_requests AS r
  LEFT ANTI JOIN chats_over AS o ON r.org_id = o.org_id AND r.visitor_id = o.visitor_id AND r.session_id = o.session_id
  LEFT ANTI JOIN open_sessions AS s ON r.org_id = s.org_id AND r.visitor_id = s.visitor_id AND r.session_id = s.session_id
  UNION ALL
  SELECT r.org_id AS org_id, r.first_page AS page, r.first_at AS occurred_at, 'inbound_call_missed' AS metric
  FROM call_requests AS r
  LEFT ANTI JOIN calls_over AS o ON r.org_id = o.org_id AND r.visitor_id = o.visitor_id AND r.call_key = o.call_key
  LEFT ANTI JOIN open_sessions AS s ON r.org_id = s.org_id AND r.visitor_id = s.visitor_id AND r.first_session_id = s.session_id
)
SELECT
  org_id,
  row_key,
  bucket_ms,
  countIf(metric = 'inbound_call_missed') AS inbound_call_missed,
  countIf(metric = 'inbound_chat_missed') AS inbound_chat_missed
FROM (
  SELECT
    org_id,
    if({by:String} = 'page', page, '') AS row_key,
    multiIf(
      {bucket:String} = 'hour', toUnixTimestamp(toStartOfHour(toTimeZone(occurred_at, {tz:String}))) * 1000,
      {bucket:String} = 'day', toUnixTimestamp(toStartOfDay(toTimeZone(occurred_at, {tz:String}))) * 1000,
      {bucket:String} = 'week', toUnixTimestamp(toDateTime(toStartOfWeek(toTimeZone(occurred_at, {tz:String}), 1), {tz:String})) * 1000,
      {bucket:String} = 'month', toUnixTimestamp(toDateTime(toStartOfMonth(toTimeZone(occurred_at, {tz:String})), {tz:String})) * 1000,
      NULL
    ) AS bucket_ms,
    metric
  FROM misses
  WHERE ({from_ms:Nullable(Int64)} IS NULL OR occurred_at >= fromUnixTimestamp64Milli(assumeNotNull({from_ms:Nullable(Int64)}), 'UTC'))
    AND ({to_ms:Nullable(Int64)} IS NULL OR occurred_at < fromUnixTimestamp64Milli(assumeNotNull({to_ms:Nullable(Int64)}), 'UTC'))
)
GROUP BY org_id, row_key, bucket_ms
