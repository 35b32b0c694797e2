-- Dispatch: vendor requests held for a later try after a vendor failure (5xx, 429, timeout,
-- connection) or while the vendor's circuit breaker is open. One row per idempotency key: a
-- voice or text attempt (first = last attempt id), or an email batch (its recorded id range).
-- The row outlives a restart; it is deleted when the vendor's answer (or Vendor Error at the
-- horizon) is written. See docs/dispatch.md "Vendor outages".
CREATE TABLE vendor_retries (
    idempotency_key TEXT PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    mode INTEGER NOT NULL,
    priority INTEGER NOT NULL,
    first_attempt_id BIGINT NOT NULL,
    last_attempt_id BIGINT NOT NULL,
    attempt_count INTEGER NOT NULL,
    tries INTEGER NOT NULL,            -- vendor requests that failed so far
    held_since BIGINT NOT NULL,        -- the first failure (or pause)
    give_up_time BIGINT NOT NULL,      -- the horizon: Vendor Error after this
    due_time BIGINT NOT NULL,          -- the next try
    last_code TEXT NOT NULL DEFAULT ''
);
CREATE INDEX vendor_retries_due ON vendor_retries (mode, due_time);
CREATE INDEX vendor_retries_message ON vendor_retries (message_id);
