-- Text Opt In / Text Opt Out entries are replies from a recipient to the district's short
-- code, not deliveries: the number and the keyword received live here, and such an entry has
-- no recipient row, no device target and no Delivery Information counters.
CREATE TABLE sms_replies (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id),
    phone TEXT NOT NULL,
    keyword TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    short_code TEXT NOT NULL,
    receive_time BIGINT NOT NULL
);

-- Entries written before: their one target held the number and the keyword.
INSERT INTO sms_replies (message_id, phone, keyword, recipient_name, short_code, receive_time)
SELECT m.id, t.address, t.vendor_detail, r.name, COALESCE(d.sms_short_code, ''), m.sent_time
FROM messages m
JOIN targets t ON t.message_id = m.id
JOIN recipients r ON r.id = t.recipient_id
LEFT JOIN districts d ON d.id = m.district_id
WHERE m.created_by_user_id = 'sms-reply' AND m.message_type IN (4, 5);

-- The log's row shows the keyword and the number, masked as in Recipient Details.
UPDATE messages SET subject = subject || ' from ' || (
    SELECT CASE WHEN length(r.phone) = 12 AND r.phone LIKE '+1%' THEN '(***) ***-' ELSE '***-' END
        || substr(r.phone, -4)
    FROM sms_replies r WHERE r.message_id = messages.id
) WHERE id IN (SELECT message_id FROM sms_replies);
UPDATE messages SET subject_folded = lower(subject) WHERE id IN (SELECT message_id FROM sms_replies);

DELETE FROM message_mode_stats WHERE message_id IN (SELECT message_id FROM sms_replies);
DELETE FROM targets WHERE message_id IN (SELECT message_id FROM sms_replies);
DELETE FROM recipients WHERE message_id IN (SELECT message_id FROM sms_replies);
UPDATE messages SET total_recipients = 0 WHERE id IN (SELECT message_id FROM sms_replies);
