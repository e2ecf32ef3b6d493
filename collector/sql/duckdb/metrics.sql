-- The metric table: one row per org, row key (repId or page; '' by org) and bucket, with the
-- ten sent metrics and the two held sums. Every value is a bound parameter:
--   $by      'org' | 'rep' | 'page'
--   $from_ms, $to_ms   epoch ms of [from, to), NULL for an open end
--   $org     one org, NULL for every org
--   $origin_ms, $unit_ms, $unit_buckets, $unit_boundaries   the buckets, as units of time
--            (collector/src/query/bucket-units.ts): unit n begins at origin + n * unit, lies in
--            bucket $unit_buckets[n] up to $unit_boundaries[n] (a JSON array, null where no
--            bucket begins inside the unit) and in the bucket starting there from then on;
--            all NULL and '[]' without buckets
-- bucket_ms is the start of the event's bucket (NULL without buckets). The collector computes
-- the bucket starts with the calendar aggregate() uses (engage-tracker/metrics zoneCalendar,
-- Node's Intl), never with DuckDB's own copy of the zone data, which differs for some zones
-- (America/Vancouver from November 2026, Africa/Casablanca): one source of zone rules, and no
-- zone arithmetic per event here. An event finds its unit by one division and an equality
-- (hash) join, about three times faster than an ASOF join on the starts. With buckets, the
-- collector sets $from_ms and $to_ms to the first and last event it made the buckets for, so
-- every event read is at or after the origin (the division never meets a negative number)
-- and before the last bucket's end.
-- By rep, the metrics not available for individual users are left out, and so are events
-- without a rep; sorting is left to the caller (code-unit order, as aggregate()).
WITH units AS (
  SELECT
    unnest(range(len(CAST(CAST($unit_buckets AS VARCHAR) AS BIGINT[])))) AS unit,
    unnest(CAST(CAST($unit_buckets AS VARCHAR) AS BIGINT[])) AS bucket_ms,
    unnest(CAST(CAST($unit_boundaries AS VARCHAR) AS BIGINT[])) AS boundary_ms
),
counted AS (
  SELECT
    org_id,
    CASE CAST($by AS VARCHAR) WHEN 'rep' THEN rep_id WHEN 'page' THEN page ELSE '' END AS row_key,
    CASE WHEN epoch_ms(e.occurred_at) >= u.boundary_ms THEN u.boundary_ms ELSE u.bucket_ms END AS bucket_ms,
    metric
  FROM events e
  LEFT JOIN units u ON (epoch_ms(e.occurred_at) - CAST($origin_ms AS BIGINT)) // CAST($unit_ms AS BIGINT) = u.unit
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
