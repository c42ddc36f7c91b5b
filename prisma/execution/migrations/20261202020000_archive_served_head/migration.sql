-- The archive feed remembers how far it has served each consumer: an acknowledgement (the
-- `after` cursor) beyond that is refused, so purge can only delete rows that were served.
ALTER TABLE "archive_acknowledgements" ADD COLUMN "served_change_xid" BIGINT NOT NULL DEFAULT -1,
ADD COLUMN "served_event_id" UUID NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';

-- Before this, what was served was not recorded. The cursor control holds is at or before the
-- furthest of: the last event stored, and its own acknowledgement (whose events purge may have
-- deleted since). That position counts as served, so the cursor stays valid; the
-- acknowledgement itself stays where it was.
INSERT INTO "archive_acknowledgements" ("consumer", "change_xid", "event_id")
VALUES ('control', -1, '00000000-0000-0000-0000-000000000000')
ON CONFLICT ("consumer") DO NOTHING;

UPDATE "archive_acknowledgements" a
SET "served_change_xid" = head.xid, "served_event_id" = head.id
FROM (
  SELECT xid, id FROM (
    SELECT e.change_xid AS xid, e.id FROM "events" e
    UNION ALL
    SELECT k.change_xid, k.event_id FROM "archive_acknowledgements" k WHERE k.consumer = 'control'
  ) positions
  ORDER BY xid DESC, id DESC
  LIMIT 1
) head
WHERE a.consumer = 'control';
