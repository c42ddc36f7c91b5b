-- Per-template message headers (email): From, Reply-To, and a List-Unsubscribe URL (Liquid allowed).
ALTER TABLE "templates" ADD COLUMN "from_address" TEXT, ADD COLUMN "reply_to" TEXT, ADD COLUMN "list_unsubscribe" TEXT;
ALTER TABLE "template_versions" ADD COLUMN "from_address" TEXT, ADD COLUMN "reply_to" TEXT, ADD COLUMN "list_unsubscribe" TEXT;
