-- Producers own their events: every API key belongs to a producer, every event records the
-- producer of the key that pushed it, and externalId is unique per producer.

-- Which key pushed an existing event was never recorded, so existing events and existing keys
-- all belong to the producer "default": every key keeps reading what it read before, and a
-- retried externalId still finds its event. Keys created from now on get a producer of their
-- own (`npm run keys -- create NAME [--producer P]`). A constant default: PostgreSQL adds the
-- columns without rewriting the tables.
ALTER TABLE "api_keys" ADD COLUMN "producer" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "api_keys" ALTER COLUMN "producer" DROP DEFAULT;

ALTER TABLE "events" ADD COLUMN "producer" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "events" ALTER COLUMN "producer" DROP DEFAULT;

-- DropIndex
DROP INDEX "events_external_id_key";
DROP INDEX "events_type_id_idx";

-- CreateIndex
CREATE UNIQUE INDEX "events_producer_external_id_key" ON "events"("producer", "external_id");
CREATE INDEX "events_producer_id_idx" ON "events"("producer", "id");
CREATE INDEX "events_producer_type_id_idx" ON "events"("producer", "type", "id");
