-- Listings show a short random id per key instead of its first characters (which were half of
-- a 16-character key). Existing keys get a new random id.
ALTER TABLE "api_keys" RENAME COLUMN "prefix" TO "key_id";
UPDATE "api_keys" SET "key_id" = 'key_' || substr(md5(random()::text || "id"::text), 1, 10);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_key_id_key" ON "api_keys"("key_id");
