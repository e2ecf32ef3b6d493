-- The first and last instant (epoch ms) of the events a metrics query reads, so the collector
-- can compute the bucket starts metrics.sql needs. Same $org, $from_ms and $to_ms as there.
SELECT epoch_ms(min(occurred_at)) AS first_ms, epoch_ms(max(occurred_at)) AS last_ms
FROM events
WHERE (CAST($org AS VARCHAR) IS NULL OR org_id = CAST($org AS VARCHAR))
  AND (CAST($from_ms AS BIGINT) IS NULL OR occurred_at >= make_timestamptz(CAST($from_ms AS BIGINT) * 1000))
  AND (CAST($to_ms AS BIGINT) IS NULL OR occurred_at < make_timestamptz(CAST($to_ms AS BIGINT) * 1000))
