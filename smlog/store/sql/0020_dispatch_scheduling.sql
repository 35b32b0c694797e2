-- Dispatch: claim due targets per mode in priority order (one vendor pool per mode group);
-- a range seek per (mode, priority) instead of a scan over other modes' due targets.
CREATE INDEX targets_due_mode ON targets (mode, priority, next_attempt_time, id)
    WHERE next_attempt_time IS NOT NULL;

-- Dispatch: one Mailgun request for up to 1,000 email attempts of one message. The batch is
-- recorded with its attempts (a contiguous id range of that message's email attempts) in the
-- transaction that creates them, so a restart re-sends exactly the same batch with the same
-- idempotency key.
CREATE TABLE email_batches (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    first_attempt_id BIGINT NOT NULL,
    last_attempt_id BIGINT NOT NULL,
    attempt_count INTEGER NOT NULL,
    create_time BIGINT NOT NULL,
    request_time BIGINT,
    vendor_reference TEXT
);
CREATE INDEX email_batches_unsent ON email_batches (request_time) WHERE request_time IS NULL;
