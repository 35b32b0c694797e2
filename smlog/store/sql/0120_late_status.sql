-- A final status a status deadline set (no answer came in time) is provisional: a vendor's
-- final status that arrives later replaces it (docs/statuses.md, "A real answer beats a
-- timeout"). 1 while the attempt's final status is the deadline's (or a text's Sent).
ALTER TABLE attempts ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;
-- 1: the outcome replaces a deadline's status of a target dispatch already settled (dispatch
-- moves the counters instead of settling the target again).
ALTER TABLE attempt_outcomes ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
-- When the status service wrote the outcome and when dispatch counted it: the settle lag.
ALTER TABLE attempt_outcomes ADD COLUMN applied_time BIGINT;
ALTER TABLE attempt_outcomes ADD COLUMN consumed_time BIGINT;
-- When a journal row was applied: the status lag is applied_time - received_time.
ALTER TABLE webhook_journal ADD COLUMN applied_time BIGINT;
