-- The misses of sessions nobody came back to end (aggregate()'s closeSessionsBefore), grouped
-- like metrics.sql (org_id, row_key, bucket_ms) for $by 'org' or 'page' (never 'rep': missed
-- metrics are team-only). The parameters of metrics.sql's scope ($by, $org, $from_ms, $to_ms),
-- $starts (the bucket starts, epoch ms, ascending, as a JSON array; '[]' without buckets) and
-- $before_ms (epoch ms).
-- A session (org, visitor, session) is over when none of its events is at or after $before.
-- Its inbound chat request owes inbound_chat_missed when no inbound chat in that session was
-- answered or missed; a call (org, visitor, call_id) owes inbound_call_missed when no
-- outcome came in any session and the session of its request is over. Of several requests,
-- the earliest (then the lowest id) owes the miss, on its page and at its time; closing looks
-- at every event, [from, to) only picks which misses are counted.
WITH starts AS (
  SELECT make_timestamptz(start_ms * 1000) AS start_at
  FROM (SELECT unnest(CAST(CAST($starts AS VARCHAR) AS BIGINT[])) AS start_ms)
),
scope AS (
  SELECT org_id, id, metric, visitor_id, session_id, page, call_id, occurred_at
  FROM events
  WHERE CAST($org AS VARCHAR) IS NULL OR org_id = CAST($org AS VARCHAR)
),
open_sessions AS (
  SELECT DISTINCT org_id, visitor_id, session_id
  FROM scope
  WHERE occurred_at >= make_timestamptz(CAST($before_ms AS BIGINT) * 1000)
),
chat_requests AS (
  SELECT org_id, visitor_id, session_id, page, occurred_at
  FROM scope
  WHERE metric = 'inbound_chat_requested'
  QUALIFY row_number() OVER (PARTITION BY org_id, visitor_id, session_id ORDER BY occurred_at, id) = 1
),
chats_over AS (
  SELECT DISTINCT org_id, visitor_id, session_id
  FROM scope
  WHERE metric IN ('inbound_chat_answered', 'inbound_chat_missed')
),
call_requests AS (
  SELECT org_id, visitor_id, session_id, call_id, page, occurred_at
  FROM scope
  WHERE metric = 'inbound_call_requested' AND call_id IS NOT NULL
  QUALIFY row_number() OVER (PARTITION BY org_id, visitor_id, call_id ORDER BY occurred_at, id) = 1
),
calls_over AS (
  SELECT DISTINCT org_id, visitor_id, call_id
  FROM scope
  WHERE metric IN ('inbound_call_answered', 'inbound_call_missed') AND call_id IS NOT NULL
),
misses AS (
  SELECT r.org_id, r.page, r.occurred_at, 'inbound_chat_missed' AS metric
  FROM chat_requests r
  ANTI JOIN chats_over o USING (org_id, visitor_id, session_id)
  ANTI JOIN open_sessions s USING (org_id, visitor_id, session_id)
  UNION ALL
  SELECT r.org_id, r.page, r.occurred_at, 'inbound_call_missed' AS metric
  FROM call_requests r
  ANTI JOIN calls_over o USING (org_id, visitor_id, call_id)
  ANTI JOIN open_sessions s USING (org_id, visitor_id, session_id)
)
SELECT
  org_id,
  CASE CAST($by AS VARCHAR) WHEN 'page' THEN page ELSE '' END AS row_key,
  epoch_ms(b.start_at) AS bucket_ms,
  count(*) FILTER (WHERE metric = 'inbound_call_missed') AS inbound_call_missed,
  count(*) FILTER (WHERE metric = 'inbound_chat_missed') AS inbound_chat_missed
FROM misses m
ASOF LEFT JOIN starts b ON m.occurred_at >= b.start_at
WHERE (CAST($from_ms AS BIGINT) IS NULL OR occurred_at >= make_timestamptz(CAST($from_ms AS BIGINT) * 1000))
  AND (CAST($to_ms AS BIGINT) IS NULL OR occurred_at < make_timestamptz(CAST($to_ms AS BIGINT) * 1000))
GROUP BY ALL
