-- The purge finds finished webhook messages past the retention by this index, not by a scan.
CREATE INDEX "webhook_messages_finished_at_idx" ON "webhook_messages"("finished_at");
