-- Archived events keep their producer; those archived before producers existed are the default producer's.
ALTER TABLE "archived_events" ADD COLUMN "producer" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "archived_events" ALTER COLUMN "producer" DROP DEFAULT;
