-- One row per metric event, stored once per (org_id, id): a resent batch or event adds nothing.
-- occurred_at is the time every query uses (the visitor's clock corrected with the batch's
-- sentAt, see README "Event time"); the raw client times are kept beside it.
CREATE TABLE events (
  org_id             VARCHAR     NOT NULL,
  id                 VARCHAR     NOT NULL,
  metric             VARCHAR     NOT NULL,
  visitor_id         VARCHAR     NOT NULL,
  session_id         VARCHAR     NOT NULL,
  rep_id             VARCHAR,
  page               VARCHAR     NOT NULL,
  call_id            VARCHAR,
  conversation_id    VARCHAR,
  reason             VARCHAR,
  occurred_at        TIMESTAMPTZ NOT NULL,
  client_occurred_at VARCHAR     NOT NULL,
  client_sent_at     VARCHAR,
  received_at        TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (org_id, id)
);
