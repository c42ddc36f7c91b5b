-- archived_count counted page rows, so an event archived again after a change counted twice.
-- It now counts distinct events; recount what is there.
UPDATE "execution_instances" i
SET "archived_count" = (SELECT count(*) FROM "archived_events" e WHERE e.instance = i.name);
