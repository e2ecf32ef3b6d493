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
WITH counted AS (
  SELECT
    org_id,
    CASE CAST($by AS VARCHAR) WHEN 'rep' THEN rep_id WHEN 'page' THEN page ELSE '' END AS row_key,
    CASE CAST($bucket AS VARCHAR)
      WHEN 'none' THEN NULL
      WHEN 'hour' THEN epoch_ms(occurred_at - (timezone(CAST($tz AS VARCHAR), occurred_at) - date_trunc('hour', timezone(CAST($tz AS VARCHAR), occurred_at))))
      WHEN 'day' THEN epoch_ms(timezone(CAST($tz AS VARCHAR), date_trunc('day', timezone(CAST($tz AS VARCHAR), occurred_at))))
      WHEN 'week' THEN epoch_ms(timezone(CAST($tz AS VARCHAR), date_trunc('week', timezone(CAST($tz AS VARCHAR), occurred_at))))
      WHEN 'month' THEN epoch_ms(timezone(CAST($tz AS VARCHAR), date_trunc('month', timezone(CAST($tz AS VARCHAR), occurred_at))))
    END AS bucket_ms,
    metric
  FROM events
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
