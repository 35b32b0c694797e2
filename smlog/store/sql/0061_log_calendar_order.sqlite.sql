-- The calendar filter in log order without reading every message of a large calendar.
-- A message's district, sent time and type are copied onto its calendar rows (by triggers:
-- when the row is written, and when dispatch sets the message's sent_time), so that one
-- index yields a calendar's messages newest first and counts them without leaving the index.
ALTER TABLE message_calendars ADD COLUMN district_id BIGINT;
ALTER TABLE message_calendars ADD COLUMN sent_time BIGINT;
ALTER TABLE message_calendars ADD COLUMN message_type INTEGER;
UPDATE message_calendars
SET district_id = m.district_id, sent_time = m.sent_time, message_type = m.message_type
FROM messages m WHERE m.id = message_calendars.message_id;
CREATE INDEX message_calendars_log
    ON message_calendars (calendar_id, district_id, sent_time DESC, message_id DESC, message_type);
CREATE TRIGGER message_calendars_copy AFTER INSERT ON message_calendars BEGIN
    UPDATE message_calendars
    SET (district_id, sent_time, message_type) =
        (SELECT district_id, sent_time, message_type FROM messages WHERE id = new.message_id)
    WHERE message_id = new.message_id AND calendar_id = new.calendar_id;
END;
CREATE TRIGGER messages_calendar_copy
    AFTER UPDATE OF district_id, sent_time, message_type ON messages BEGIN
    UPDATE message_calendars
    SET district_id = new.district_id, sent_time = new.sent_time, message_type = new.message_type
    WHERE message_id = new.id;
END;
