-- Producers own their events: every API key belongs to a producer, every event records the
-- producer of the key that pushed it, and externalId is unique per producer.

-- Existing keys: the bootstrap keys belong to producer "default", any other key to a producer of its own name.
ALTER TABLE "api_keys" ADD COLUMN "producer" TEXT;
UPDATE "api_keys" SET "producer" = CASE WHEN "name" LIKE 'bootstrap-%' THEN 'default' ELSE "name" END;
ALTER TABLE "api_keys" ALTER COLUMN "producer" SET NOT NULL;

-- Existing events: which key pushed them was never recorded, so they belong to "default"
-- (a constant default: PostgreSQL adds the column without rewriting the table).
ALTER TABLE "events" ADD COLUMN "producer" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "events" ALTER COLUMN "producer" DROP DEFAULT;

-- DropIndex
DROP INDEX "events_external_id_key";
DROP INDEX "events_type_id_idx";

-- CreateIndex
CREATE UNIQUE INDEX "events_producer_external_id_key" ON "events"("producer", "external_id");
CREATE INDEX "events_producer_id_idx" ON "events"("producer", "id");
CREATE INDEX "events_producer_type_id_idx" ON "events"("producer", "type", "id");
