-- Resend to those not reached (docs/dispatch.md "Resend"): a message made by ResendMessage
-- names the message it resends; Message Detail shows both directions ("resend of #N",
-- "resent as #M"), the reverse one through this index.
ALTER TABLE messages ADD COLUMN resend_of INTEGER;
CREATE INDEX messages_resend_of ON messages (resend_of, id) WHERE resend_of IS NOT NULL;
