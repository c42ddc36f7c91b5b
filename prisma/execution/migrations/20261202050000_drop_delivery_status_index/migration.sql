-- Nothing reads delivery logs by status alone (outcomes are found by id, pending deliveries by
-- event id, unsynced outcomes by synced_at), and the index let the planner combine a status scan
-- with the primary key: without statistics, a claim of 50 deliveries scanned every pending one.
-- It also kept every outcome update from being a HOT update.
DROP INDEX "delivery_logs_status_updated_at_idx";
