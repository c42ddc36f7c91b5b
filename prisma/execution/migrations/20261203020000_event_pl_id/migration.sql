-- Every event gets a stable numeric id beside its UUID: what Campaign Classic producers keep
-- (`plId`, an int64 > 0, returned by nms:rtEvent#PushEvent) and can look an event up by.
ALTER TABLE "events" ADD COLUMN "pl_id" BIGSERIAL NOT NULL;

CREATE UNIQUE INDEX "events_pl_id_key" ON "events"("pl_id");
