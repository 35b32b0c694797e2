-- One district per SMS short code: inbound STOP/START/HELP replies are matched to a district by
-- the short code they were sent to, so a second district claiming a code would take over the
-- first one's opt-outs (docs/security.md). Before this index a shared code already answered
-- to its lowest district id; the others lose the code and text from the default sender number.
UPDATE districts SET sms_short_code = ''
 WHERE sms_short_code <> ''
   AND id > (SELECT min(d.id) FROM districts d WHERE d.sms_short_code = districts.sms_short_code);
CREATE UNIQUE INDEX districts_sms_short_code ON districts (sms_short_code) WHERE sms_short_code <> '';
