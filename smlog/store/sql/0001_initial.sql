-- The whole domain (docs/data-ownership.md says who writes what). Portable SQL: INTEGER/BIGINT ids, TEXT, times as BIGINT
-- microseconds since the Unix epoch (UTC), booleans as 0/1, enums as their smlog.v1 numbers.
-- Every write of a service goes through smlog.store.Database; see docs/storage.md (both backends).

CREATE TABLE districts (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    dial_window_start_minute INTEGER NOT NULL DEFAULT 480,
    dial_window_end_minute INTEGER NOT NULL DEFAULT 1260,
    sms_short_code TEXT NOT NULL DEFAULT ''
);

CREATE TABLE calendars (
    id BIGINT PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    school_name TEXT NOT NULL,
    school_year TEXT NOT NULL
);
CREATE INDEX calendars_district ON calendars (district_id);

-- One row per message (campaign). status: smlog.v1.MessageStatus (6 = draft, not in the log).
-- sent_time is the dispatch start (the log's Date); NULL while a draft.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    request_id TEXT NOT NULL,
    created_by_user_id TEXT NOT NULL,
    created_by_name TEXT NOT NULL,
    message_type INTEGER NOT NULL,
    subject TEXT NOT NULL,
    subject_folded TEXT NOT NULL,          -- lower-cased subject for "contains" filters
    delivery_modes INTEGER NOT NULL,       -- bit set: 1 << smlog.v1.DeliveryMode
    content_json TEXT NOT NULL,            -- smlog.v1.MessageContent as JSON
    has_attachment INTEGER NOT NULL DEFAULT 0,
    attachment_name TEXT NOT NULL DEFAULT '',
    recipient_groups_json TEXT NOT NULL DEFAULT '[]',
    preferred_language TEXT NOT NULL DEFAULT '',
    school_year TEXT NOT NULL DEFAULT '',
    active_students_only INTEGER NOT NULL DEFAULT 0,
    tool_criteria_json TEXT NOT NULL DEFAULT '{}',  -- ToolSpecificCriteria.other
    status INTEGER NOT NULL,
    create_time BIGINT NOT NULL,
    sent_time BIGINT,
    end_time BIGINT,                       -- last device final (Total Message Duration end)
    cancel_time BIGINT,
    total_recipients INTEGER NOT NULL DEFAULT 0,
    recipients_no_device INTEGER NOT NULL DEFAULT 0,
    pending_targets INTEGER NOT NULL DEFAULT 0,  -- targets without a final status
    UNIQUE (district_id, created_by_user_id, request_id)
);
-- The log lists newest first within a district; each single filter has an index that
-- serves "filter + ORDER BY sent_time DESC, id DESC LIMIT n" without a sort.
CREATE INDEX messages_log ON messages (district_id, sent_time DESC, id DESC);
CREATE INDEX messages_log_creator ON messages (district_id, created_by_user_id, sent_time DESC, id DESC);
CREATE INDEX messages_log_type ON messages (district_id, message_type, sent_time DESC, id DESC);
CREATE INDEX messages_open ON messages (status) WHERE status IN (1, 6);

CREATE TABLE message_calendars (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    calendar_id BIGINT NOT NULL REFERENCES calendars (id),
    PRIMARY KEY (message_id, calendar_id)
);
CREATE INDEX message_calendars_calendar ON message_calendars (calendar_id, message_id);

-- Delivery Information per mode, maintained by dispatch as results arrive (never recomputed
-- from attempts on a read). pending devices = total_devices - successful - error - canceled.
CREATE TABLE message_mode_stats (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    mode INTEGER NOT NULL,
    total_devices INTEGER NOT NULL DEFAULT 0,
    total_attempts INTEGER NOT NULL DEFAULT 0,
    total_successful INTEGER NOT NULL DEFAULT 0,
    total_error INTEGER NOT NULL DEFAULT 0,
    total_canceled INTEGER NOT NULL DEFAULT 0,
    first_attempt_pending INTEGER NOT NULL DEFAULT 0,  -- eligible recipients still waiting
    first_attempt_end_time BIGINT,
    PRIMARY KEY (message_id, mode)
);

-- A unique person on a message. devices_json keeps the devices as received; targets are
-- resolved from it when dispatch starts.
CREATE TABLE recipients (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    person_id TEXT NOT NULL,
    name TEXT NOT NULL,
    student_name TEXT NOT NULL DEFAULT '',
    preferred_language TEXT NOT NULL DEFAULT '',
    devices_json TEXT NOT NULL DEFAULT '[]',
    UNIQUE (message_id, person_id)
);

-- One device of a recipient for one mode (or a No Device placeholder with address '').
-- status/status_group/status_time mirror the latest attempt (or the suppression);
-- is_final = 1 once no further attempt will be made.
CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id),
    recipient_id INTEGER NOT NULL REFERENCES recipients (id),
    mode INTEGER NOT NULL,
    address TEXT NOT NULL,
    extension TEXT NOT NULL DEFAULT '',
    is_first_device INTEGER NOT NULL DEFAULT 0,  -- counts toward First Attempt Duration
    priority INTEGER NOT NULL,                   -- 0 emergency, 1 priority, 2 general
    status INTEGER NOT NULL,
    status_group INTEGER NOT NULL,
    status_time BIGINT,
    is_final INTEGER NOT NULL DEFAULT 0,
    attempt_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_time BIGINT,                    -- due time of the next (re)dial; NULL if none
    vendor_detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX targets_message ON targets (message_id, mode, status, id);
CREATE INDEX targets_due ON targets (priority, next_attempt_time, id) WHERE next_attempt_time IS NOT NULL;
CREATE INDEX targets_recipient ON targets (recipient_id);

-- One try at a device. Written (status Queued) before the vendor is called; the
-- idempotency key is derived from the attempt and sent to the vendor.
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    target_id INTEGER NOT NULL REFERENCES targets (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    mode INTEGER NOT NULL,
    number INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    vendor_reference TEXT,
    status INTEGER NOT NULL,
    status_time BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    request_time BIGINT,                 -- when the vendor accepted the request
    is_final INTEGER NOT NULL DEFAULT 0,
    vendor_code TEXT NOT NULL DEFAULT '',
    vendor_detail TEXT NOT NULL DEFAULT '',
    UNIQUE (target_id, number)
);
CREATE INDEX attempts_vendor_reference ON attempts (vendor_reference);
CREATE INDEX attempts_open ON attempts (request_time) WHERE is_final = 0;

-- Every accepted status event of an attempt (its history), deduplicated by event_key.
CREATE TABLE attempt_events (
    id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL,
    event_key TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL,
    event_time BIGINT NOT NULL,
    applied_time BIGINT NOT NULL,
    vendor_code TEXT NOT NULL DEFAULT '',
    vendor_detail TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    changed_status INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX attempt_events_attempt ON attempt_events (attempt_id, id);

-- Raw webhook bodies, recorded durably before they are applied (state 0 new, 1 applied,
-- 2 parked: its attempt is not stored yet, 3 rejected).
CREATE TABLE webhook_journal (
    id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    kind TEXT NOT NULL,
    body BLOB NOT NULL,
    received_time BIGINT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_journal_state ON webhook_journal (state, id);

-- Normalized events whose attempt is not stored yet; applied when it appears.
CREATE TABLE parked_events (
    id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL,
    event_key TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL,
    event_time BIGINT NOT NULL,
    vendor_code TEXT NOT NULL DEFAULT '',
    vendor_detail TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    park_time BIGINT NOT NULL
);
CREATE INDEX parked_events_attempt ON parked_events (attempt_id);

-- Signature tokens (Mailgun token, Voxology event id) already accepted: replay refusal.
CREATE TABLE webhook_tokens (
    token TEXT PRIMARY KEY,
    seen_time BIGINT NOT NULL
);

-- Outbox of final attempt outcomes for dispatch (redials, target and message completion).
CREATE TABLE attempt_outcomes (
    attempt_id INTEGER PRIMARY KEY,
    status INTEGER NOT NULL,
    status_time BIGINT NOT NULL,
    consumed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX attempt_outcomes_open ON attempt_outcomes (consumed, attempt_id);

-- Text opt-out state per phone number and short code (STOP / START).
CREATE TABLE sms_opt_outs (
    phone TEXT NOT NULL,
    short_code TEXT NOT NULL,
    opted_out INTEGER NOT NULL,
    update_time BIGINT NOT NULL,
    PRIMARY KEY (phone, short_code)
);

-- The portal inbox store: what dispatch delivered to portal accounts.
CREATE TABLE inbox_items (
    id INTEGER PRIMARY KEY,
    attempt_id INTEGER NOT NULL UNIQUE,
    message_id INTEGER NOT NULL,
    portal_account TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    read_time BIGINT
);
CREATE INDEX inbox_items_account ON inbox_items (portal_account, id);
