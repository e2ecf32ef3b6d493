-- A group of batches in one statement. $rows: a JSON array of events with short keys (see
-- toJsonRow in duckdb-store.ts); times in epoch milliseconds. A row whose (org_id, id) is
-- stored already is skipped; RETURNING names the rows written, so each batch learns how many
-- of its events were new.
INSERT OR IGNORE INTO events
SELECT r.o, r.i, r.m, r.v, r.s, r.r, r.p, r.c, r.n, r.x,
       make_timestamptz(r.t * 1000), r.co, r.cs, make_timestamptz(r.rt * 1000)
FROM (
  SELECT unnest(from_json($rows, '[{"o":"VARCHAR","i":"VARCHAR","m":"VARCHAR","v":"VARCHAR","s":"VARCHAR","r":"VARCHAR","p":"VARCHAR","c":"VARCHAR","n":"VARCHAR","x":"VARCHAR","t":"BIGINT","co":"VARCHAR","cs":"VARCHAR","rt":"BIGINT"}]')) AS r
)
RETURNING org_id, id
