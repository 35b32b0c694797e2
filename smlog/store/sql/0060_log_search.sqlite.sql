-- The log at a district's full history (hundreds of thousands of messages).
--
-- Subject "contains" search: an FTS5 index with the trigram tokenizer over subject_folded (the
-- lower-cased subject), kept in step with messages by triggers. case_sensitive 1 because the
-- text is already folded the way the filter folds its input (accents are kept as they are);
-- the index narrows the candidates and LIKE '%text%' on subject_folded decides. Trigrams
-- need 3 characters: shorter searches keep the ordered LIKE walk (docs/log.md).
CREATE VIRTUAL TABLE messages_subject USING fts5(
    subject_folded, content='messages', content_rowid='id', tokenize='trigram case_sensitive 1'
);
INSERT INTO messages_subject (messages_subject) VALUES ('rebuild');
CREATE TRIGGER messages_subject_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_subject (rowid, subject_folded) VALUES (new.id, new.subject_folded);
END;
CREATE TRIGGER messages_subject_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_subject (messages_subject, rowid, subject_folded)
    VALUES ('delete', old.id, old.subject_folded);
END;
CREATE TRIGGER messages_subject_update AFTER UPDATE OF subject_folded ON messages BEGIN
    INSERT INTO messages_subject (messages_subject, rowid, subject_folded)
    VALUES ('delete', old.id, old.subject_folded);
    INSERT INTO messages_subject (rowid, subject_folded) VALUES (new.id, new.subject_folded);
END;
-- Subject matches are looked up by id to test district, sent time, type and the exact
-- LIKE; this narrow index answers that without reading the wide messages row (a capped
-- count of 10,000 lookups about halves).
CREATE INDEX messages_log_lookup ON messages (id, district_id, sent_time, message_type, subject_folded);
