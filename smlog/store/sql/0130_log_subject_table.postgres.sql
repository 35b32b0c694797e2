-- The subject "contains" search at a district's full history, on PostgreSQL: the trigram
-- index moves from messages to a narrow copy of the columns the search tests (id, district,
-- sent time, type, folded subject). Every trigram candidate is a row read to test the exact
-- text; a copy row is about 80 bytes against a message row's several hundred, so the
-- candidates of a search lie on a few times fewer pages, and the whole copy stays in shared
-- buffers (docs/log.md, "Query plans and indexes"). Triggers keep it in step with messages;
-- deleting a message (retention) deletes its copy. SQLite keeps its FTS5 table of 0060.
CREATE TABLE message_subjects (
    id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    district_id BIGINT NOT NULL,
    sent_time BIGINT,
    message_type BIGINT NOT NULL,
    subject_folded TEXT NOT NULL
);
INSERT INTO message_subjects (id, district_id, sent_time, message_type, subject_folded)
SELECT id, district_id, sent_time, message_type, subject_folded FROM messages;
CREATE INDEX message_subjects_trgm ON message_subjects USING gin (subject_folded gin_trgm_ops);
DROP INDEX messages_subject_trgm;

-- New messages, a COPY of many included, are copied once per statement.
CREATE FUNCTION message_subjects_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_subjects (id, district_id, sent_time, message_type, subject_folded)
    SELECT id, district_id, sent_time, message_type, subject_folded FROM inserted;
    RETURN NULL;
END
$$;
CREATE TRIGGER message_subjects_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION message_subjects_insert();

-- Dispatch sets sent_time when a message starts; the other columns are copied too should
-- they ever change. Updates of other columns (status, counters) do not fire it.
CREATE FUNCTION message_subjects_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_subjects
       SET district_id = NEW.district_id, sent_time = NEW.sent_time,
           message_type = NEW.message_type, subject_folded = NEW.subject_folded
     WHERE id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER message_subjects_update
    AFTER UPDATE OF district_id, sent_time, message_type, subject_folded ON messages
    FOR EACH ROW EXECUTE FUNCTION message_subjects_update();
