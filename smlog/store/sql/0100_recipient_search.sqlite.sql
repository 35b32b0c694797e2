-- Recipient search (docs/search.md): one person's device rows across messages, newest message
-- first. Phone numbers (stored in E.164) and email addresses are matched on the folded address;
-- the index also yields the result order (message id, target id), so a page reads only its rows.
CREATE INDEX targets_address_folded ON targets (lower(address), message_id, id);
-- A person id across messages.
CREATE INDEX recipients_person ON recipients (person_id, message_id);
-- A case-insensitive name prefix is a range on the folded name (smlog.store.dialect).
CREATE INDEX recipients_name_folded ON recipients (lower(name), message_id);
