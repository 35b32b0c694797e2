-- Retention per district (docs/retention.md): messages whose dispatch ended more than
-- retention_days ago are purged in bounded batches; 0 keeps them forever.
ALTER TABLE districts ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;
-- The purge's walk: a district's finished messages by end time, oldest first (and the
-- oldest kept message's age for the metric), without touching in-progress ones or drafts.
CREATE INDEX messages_retention ON messages (district_id, end_time, id)
    WHERE end_time IS NOT NULL AND status NOT IN (1, 6);
