-- The archive feed remembers how far it has served each consumer: an acknowledgement (the
-- `after` cursor) beyond that is refused, so purge can only delete rows that were served.
ALTER TABLE "archive_acknowledgements" ADD COLUMN "served_change_xid" BIGINT NOT NULL DEFAULT -1,
ADD COLUMN "served_event_id" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';

-- Before this, what was served was not recorded: every event stored so far counts as served to
-- the control instance, so the cursor it holds stays valid (it is at or before the last of them).
-- Its acknowledgement stays where it was.
INSERT INTO "archive_acknowledgements" ("consumer", "change_xid", "event_id", "served_change_xid", "served_event_id")
SELECT 'control', -1, '00000000-0000-0000-0000-000000000000', e.change_xid, e.id
FROM "events" e
ORDER BY e.change_xid DESC, e.id DESC
LIMIT 1
ON CONFLICT ("consumer") DO UPDATE SET "served_change_xid" = EXCLUDED."served_change_xid", "served_event_id" = EXCLUDED."served_event_id";
