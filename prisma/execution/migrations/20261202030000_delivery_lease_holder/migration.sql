-- Which worker holds a delivery's lease: when a lease ends without an outcome (the worker died),
-- the worker that takes the delivery over says whose it was.
ALTER TABLE "delivery_logs" ADD COLUMN "locked_by" TEXT;
