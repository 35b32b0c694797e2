-- The log at a district's full history, on PostgreSQL (the SQLite file of this step uses an
-- FTS5 trigram table instead; docs/log.md).
--
-- Subject "contains" search: a pg_trgm GIN index over subject_folded serves the filter's
-- LIKE '%text%' directly (the planner chooses it when the text is selective); texts of 1-2
-- characters, which have no trigram, walk the log in order as on SQLite.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_subject_trgm ON messages USING gin (subject_folded gin_trgm_ops);
-- Subject matches looked up by id read district, sent time, type and subject from here.
CREATE INDEX messages_log_lookup ON messages (id, district_id, sent_time, message_type, subject_folded);
