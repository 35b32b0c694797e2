-- Status service: a STOP/START reply's log entry names the most recent recipient of the
-- district with a text target at the replying number; without this index that is a scan of
-- every target.
CREATE INDEX targets_address ON targets (address, mode);
