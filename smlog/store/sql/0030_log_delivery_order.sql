-- Recipient Details are listed and streamed in target id order within a message, optionally
-- filtered by mode and status. targets_message (message_id, mode, status, id) cannot yield id
-- order across modes, so every page sorted all of a message's targets. This index yields the
-- order directly and, carrying mode and status, filters without touching the table.
CREATE INDEX targets_message_order ON targets (message_id, id, mode, status);
