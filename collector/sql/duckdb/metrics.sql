-- The metric table: one row per org, row key (repId or page; '' by org) and bucket, with the
-- ten sent metrics and the two held sums. Every value is a bound parameter:
--   $by      'org' | 'rep' | 'page'
--   $from_ms, $to_ms   epoch ms of [from, to), NULL for an open end
--   $org     one org, NULL for every org
--   $starts  the bucket starts (epoch ms, ascending) as a JSON array, '[]' without buckets
--   $end_ms  where the last bucket ends (epoch ms), NULL without buckets
-- bucket_ms is the start of the event's bucket (NULL without buckets): the last of $starts at
-- or before the event. The collector computes the starts with the calendar aggregate() uses
-- (engage-tracker/metrics zoneCalendar, Node's Intl), never with DuckDB's own copy of the
-- zone data, which differs for some zones (America/Vancouver from November 2026,
-- Africa/Casablanca): one source of zone rules, and no zone arithmetic per event here.
-- Every zone offset is a whole number of quarter hours, so a quarter hour lies in one bucket:
-- each event finds its bucket by its quarter-hour number, an equality (hash) join, about three
-- times faster than an ASOF join on the starts. Quarters count from the first start, as every
-- event of the query is at or after it (the starts begin with the first event's bucket, or
-- $from's), so the division never meets a negative number.
-- By rep, the metrics not available for individual users are left out, and so are events
-- without a rep; sorting is left to the caller (code-unit order, as aggregate()).
WITH starts AS (
  SELECT unnest(CAST(CAST($starts AS VARCHAR) AS BIGINT[])) AS start_ms
),
origin AS (
  SELECT min(start_ms) AS origin_ms FROM starts
),
quarters AS (
  SELECT unnest(range((start_ms - origin_ms) // 900000, (end_ms - origin_ms) // 900000)) AS quarter, start_ms AS bucket_ms
  FROM (SELECT start_ms, coalesce(lead(start_ms) OVER (ORDER BY start_ms), CAST($end_ms AS BIGINT)) AS end_ms FROM starts), origin
),
counted AS (
  SELECT
    org_id,
    CASE CAST($by AS VARCHAR) WHEN 'rep' THEN rep_id WHEN 'page' THEN page ELSE '' END AS row_key,
    q.bucket_ms,
    metric
  FROM events e
  LEFT JOIN quarters q ON (epoch_ms(e.occurred_at) - (SELECT origin_ms FROM origin)) // 900000 = q.quarter
  WHERE (CAST($org AS VARCHAR) IS NULL OR org_id = CAST($org AS VARCHAR))
    AND (CAST($from_ms AS BIGINT) IS NULL OR occurred_at >= make_timestamptz(CAST($from_ms AS BIGINT) * 1000))
    AND (CAST($to_ms AS BIGINT) IS NULL OR occurred_at < make_timestamptz(CAST($to_ms AS BIGINT) * 1000))
    AND (CAST($by AS VARCHAR) <> 'rep' OR metric NOT IN ('inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed'))
)
SELECT
  org_id,
  row_key,
  bucket_ms,
  count(*) FILTER (WHERE metric = 'proactive_call_attempted') AS proactive_call_attempted,
  count(*) FILTER (WHERE metric = 'proactive_call_accepted') AS proactive_call_accepted,
  count(*) FILTER (WHERE metric = 'inbound_call_requested') AS inbound_call_requested,
  count(*) FILTER (WHERE metric = 'inbound_call_answered') AS inbound_call_answered,
  count(*) FILTER (WHERE metric = 'inbound_call_missed') AS inbound_call_missed,
  count(*) FILTER (WHERE metric = 'proactive_chat_attempted') AS proactive_chat_attempted,
  count(*) FILTER (WHERE metric = 'proactive_chat_accepted') AS proactive_chat_accepted,
  count(*) FILTER (WHERE metric = 'inbound_chat_requested') AS inbound_chat_requested,
  count(*) FILTER (WHERE metric = 'inbound_chat_answered') AS inbound_chat_answered,
  count(*) FILTER (WHERE metric = 'inbound_chat_missed') AS inbound_chat_missed,
  count(*) FILTER (WHERE metric IN ('proactive_call_attempted', 'inbound_call_answered')) AS calls_held,
  count(*) FILTER (WHERE metric IN ('proactive_chat_accepted', 'inbound_chat_answered')) AS chats_held
FROM counted
WHERE row_key IS NOT NULL
GROUP BY org_id, row_key, bucket_ms
