-- Per-template message headers (email): From, Reply-To, and a List-Unsubscribe URL (Liquid allowed).
ALTER TABLE "published_templates" ADD COLUMN "from_address" TEXT, ADD COLUMN "reply_to" TEXT, ADD COLUMN "list_unsubscribe" TEXT;
-- What a delivery's template set, rendered for its event; one column (null: none), so the rows
-- the hot statements read stay as narrow as they were.
ALTER TABLE "delivery_logs" ADD COLUMN "headers" JSONB;
