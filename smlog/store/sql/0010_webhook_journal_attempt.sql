-- Status service: the attempt a Voxology callback names travels in its URL, not its body, so
-- the journal keeps it beside the raw body (0 where the body names it, as Mailgun's does).
ALTER TABLE webhook_journal ADD COLUMN attempt_id BIGINT NOT NULL DEFAULT 0;
