-- The metric table: one row per org, row key (repId or page; '' by org) and bucket, with the
-- ten sent metrics and the two held sums. Every value is a bound parameter:
--   $by      'org' | 'rep' | 'page'
--   $bucket  'none' | 'hour' | 'day' | 'week' | 'month'
--   $tz      IANA zone where days begin
--   $from_ms, $to_ms   epoch ms of [from, to), NULL for an open end
--   $org     one org, NULL for every org
-- bucket_ms is the bucket's start in epoch ms (NULL without buckets): an hour starts at the
-- local hour (so the repeated hour of an autumn night is two buckets); a day, Monday-week or
-- month at the local midnight, turned back into an instant in $tz. The collector labels the
-- buckets and fills the empty ones (engage-tracker/metrics zoneCalendar), as aggregate() does.
-- By rep, the metrics not available for individual users are left out, and so are events
-- without a rep; sorting is left to the caller (code-unit order, as aggregate()).
WITH quarters AS (
  -- Counted per quarter hour first: every zone's offsets and DST changes fall on quarter
  -- hours, so a quarter lies in one bucket, and the zone arithmetic below runs once per
  -- quarter and key instead of once per event.
  SELECT
    org_id,
    CASE CAST($by AS VARCHAR) WHEN 'rep' THEN rep_id WHEN 'page' THEN page ELSE '' END AS row_key,
    CASE CAST($bucket AS VARCHAR) WHEN 'none' THEN 0 ELSE epoch_ms(occurred_at) - ((epoch_ms(occurred_at) % 900000) + 900000) % 900000 END AS quarter_ms,
    metric,
    count(*) AS n
  FROM events
  WHERE (CAST($org AS VARCHAR) IS NULL OR org_id = CAST($org AS VARCHAR))
    AND (CAST($from_ms AS BIGINT) IS NULL OR occurred_at >= make_timestamptz(CAST($from_ms AS BIGINT) * 1000))
    AND (CAST($to_ms AS BIGINT) IS NULL OR occurred_at < make_timestamptz(CAST($to_ms AS BIGINT) * 1000))
    AND (CAST($by AS VARCHAR) <> 'rep' OR metric NOT IN ('inbound_call_requested', 'inbound_call_missed', 'inbound_chat_requested', 'inbound_chat_missed'))
  GROUP BY ALL
),
counted AS (
  SELECT
    org_id,
    row_key,
    CASE CAST($bucket AS VARCHAR)
      WHEN 'none' THEN NULL
      WHEN 'hour' THEN epoch_ms(q - (timezone(CAST($tz AS VARCHAR), q) - date_trunc('hour', timezone(CAST($tz AS VARCHAR), q))))
      WHEN 'day' THEN epoch_ms(timezone(CAST($tz AS VARCHAR), date_trunc('day', timezone(CAST($tz AS VARCHAR), q))))
      WHEN 'week' THEN epoch_ms(timezone(CAST($tz AS VARCHAR), date_trunc('week', timezone(CAST($tz AS VARCHAR), q))))
      WHEN 'month' THEN epoch_ms(timezone(CAST($tz AS VARCHAR), date_trunc('month', timezone(CAST($tz AS VARCHAR), q))))
    END AS bucket_ms,
    metric,
    n
  FROM (SELECT *, make_timestamptz(quarter_ms * 1000) AS q FROM quarters)
  WHERE row_key IS NOT NULL
)
SELECT
  org_id,
  row_key,
  bucket_ms,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'proactive_call_attempted'), 0) AS BIGINT) AS proactive_call_attempted,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'proactive_call_accepted'), 0) AS BIGINT) AS proactive_call_accepted,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'inbound_call_requested'), 0) AS BIGINT) AS inbound_call_requested,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'inbound_call_answered'), 0) AS BIGINT) AS inbound_call_answered,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'inbound_call_missed'), 0) AS BIGINT) AS inbound_call_missed,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'proactive_chat_attempted'), 0) AS BIGINT) AS proactive_chat_attempted,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'proactive_chat_accepted'), 0) AS BIGINT) AS proactive_chat_accepted,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'inbound_chat_requested'), 0) AS BIGINT) AS inbound_chat_requested,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'inbound_chat_answered'), 0) AS BIGINT) AS inbound_chat_answered,
  CAST(coalesce(sum(n) FILTER (WHERE metric = 'inbound_chat_missed'), 0) AS BIGINT) AS inbound_chat_missed,
  CAST(coalesce(sum(n) FILTER (WHERE metric IN ('proactive_call_attempted', 'inbound_call_answered')), 0) AS BIGINT) AS calls_held,
  CAST(coalesce(sum(n) FILTER (WHERE metric IN ('proactive_chat_accepted', 'inbound_chat_answered')), 0) AS BIGINT) AS chats_held
FROM counted
GROUP BY org_id, row_key, bucket_ms
