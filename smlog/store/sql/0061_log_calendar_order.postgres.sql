-- The calendar filter in log order without reading every message of a large calendar, on
-- PostgreSQL (the same columns and index as the SQLite file of this step; the triggers are
-- PL/pgSQL functions). A message's district, sent time and type are copied onto its calendar
-- rows when the row is written and when dispatch sets the message's sent_time.
ALTER TABLE message_calendars ADD COLUMN district_id BIGINT;
ALTER TABLE message_calendars ADD COLUMN sent_time BIGINT;
ALTER TABLE message_calendars ADD COLUMN message_type BIGINT;
UPDATE message_calendars
SET district_id = m.district_id, sent_time = m.sent_time, message_type = m.message_type
FROM messages m WHERE m.id = message_calendars.message_id;
CREATE INDEX message_calendars_log
    ON message_calendars (calendar_id, district_id, sent_time DESC, message_id DESC, message_type);

CREATE FUNCTION message_calendars_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT m.district_id, m.sent_time, m.message_type
      INTO NEW.district_id, NEW.sent_time, NEW.message_type
      FROM messages m WHERE m.id = NEW.message_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER message_calendars_copy BEFORE INSERT ON message_calendars
    FOR EACH ROW EXECUTE FUNCTION message_calendars_copy();

CREATE FUNCTION messages_calendar_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE message_calendars
       SET district_id = NEW.district_id, sent_time = NEW.sent_time,
           message_type = NEW.message_type
     WHERE message_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_calendar_copy
    AFTER UPDATE OF district_id, sent_time, message_type ON messages
    FOR EACH ROW EXECUTE FUNCTION messages_calendar_copy();
