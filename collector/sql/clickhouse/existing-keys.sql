-- Which events of a group are stored already: (org_id, id) of the given ids.
SELECT org_id, id FROM events FINAL WHERE id IN {ids:Array(String)}
