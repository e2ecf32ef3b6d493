SELECT DISTINCT org_id FROM events ORDER BY org_id
