-- Several dispatch workers on one database (docs/scale-out.md): an attempt, or an email batch,
-- stored but not yet answered by its vendor belongs to the worker that claimed it until
-- lease_until (microseconds); a worker renews the leases of what it holds, and another one
-- takes over what a dead worker left once its lease ran out (same idempotency key).
-- SQLite runs one dispatch process: the columns are kept so that both backends share code.
ALTER TABLE attempts ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE email_batches ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE email_batches ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
-- Unanswered attempts by lease end: the takeover's scan, and a worker's renewal.
CREATE INDEX attempts_leased ON attempts (lease_until, id) WHERE request_time IS NULL;
CREATE INDEX email_batches_leased ON email_batches (lease_until, id) WHERE request_time IS NULL;
