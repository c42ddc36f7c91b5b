-- A delivery refused for now is tried again on a schedule (1 s, 10 s, 1 min, 5 min, 15 min, 1 h,
-- then hourly): when, is kept on the row, for the API and for the job that comes back then.
ALTER TABLE "delivery_logs" ADD COLUMN "next_attempt_at" TIMESTAMPTZ(3);
