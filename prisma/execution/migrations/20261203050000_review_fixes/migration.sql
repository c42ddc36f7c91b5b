-- Deleting webhook messages (purge, a deleted endpoint) cascades to their attempts: by this index,
-- not by a scan of every attempt.
CREATE INDEX "webhook_attempts_message_id_idx" ON "webhook_attempts"("message_id");

-- A SOAP session belongs to the key it was opened with (its hash), not to the key's name: a key
-- replaced under the same name (MC_API_KEY changed) ends the sessions of the old one.
DELETE FROM "soap_sessions";
ALTER TABLE "soap_sessions" DROP COLUMN "key_name", ADD COLUMN "key_hash" TEXT NOT NULL;

-- Who holds an Idempotency-Key: a late answer or give-back of a request whose lease was taken
-- over touches only its own claim.
ALTER TABLE "idempotency_keys" ADD COLUMN "claim_token" TEXT;
