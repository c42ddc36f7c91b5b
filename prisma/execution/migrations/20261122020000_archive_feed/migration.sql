-- AlterTable
ALTER TABLE "events" ADD COLUMN     "change_xid" BIGINT NOT NULL DEFAULT (pg_current_xact_id())::text::bigint;

-- CreateTable
CREATE TABLE "archive_acknowledgements" (
    "consumer" TEXT NOT NULL,
    "change_xid" BIGINT NOT NULL,
    "event_id" UUID NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "archive_acknowledgements_pkey" PRIMARY KEY ("consumer")
);

-- CreateIndex
CREATE INDEX "events_change_xid_id_idx" ON "events"("change_xid", "id");

-- Every change of an event moves it to the end of the archive feed (not modelled by Prisma).
CREATE FUNCTION "mc_touch_change_xid"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END
$$;

CREATE TRIGGER "events_touch_change_xid" BEFORE UPDATE ON "events"
  FOR EACH ROW EXECUTE FUNCTION "mc_touch_change_xid"();
