-- What the mail world says after a send: every message received by the inbound SMTP listener is
-- kept as received (whatever it is: a bounce, a complaint, mail nobody understood), and what it
-- said about a delivery is one row of that delivery's feedback, beside SMS receipts.
CREATE TABLE "inbound_mail" (
    "id" UUID NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "envelope_from" TEXT,
    "envelope_to" TEXT[],
    "remote_address" TEXT,
    "size" INTEGER NOT NULL,
    "raw" BYTEA NOT NULL,
    "outcome" TEXT NOT NULL,
    "delivery_log_id" UUID,
    "detail" TEXT,

    CONSTRAINT "inbound_mail_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "inbound_mail_received_at_idx" ON "inbound_mail"("received_at");

CREATE TABLE "delivery_feedback" (
    "id" UUID NOT NULL,
    "delivery_log_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT,
    "detail" TEXT,
    "inbound_mail_id" UUID,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "delivery_feedback_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "delivery_feedback_delivery_log_id_idx" ON "delivery_feedback"("delivery_log_id");

ALTER TABLE "delivery_feedback" ADD CONSTRAINT "delivery_feedback_delivery_log_id_fkey" FOREIGN KEY ("delivery_log_id") REFERENCES "delivery_logs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "delivery_feedback" ADD CONSTRAINT "delivery_feedback_inbound_mail_id_fkey" FOREIGN KEY ("inbound_mail_id") REFERENCES "inbound_mail"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Reports and receipts name a delivery by the id its provider gave it (a Message-ID, an SMS id).
CREATE INDEX "delivery_logs_provider_message_id_idx" ON "delivery_logs"("provider_message_id");

-- An operator's retry of a failed delivery (POST /api/v1/events/:id/retry) starts its give-up window again.
ALTER TABLE "delivery_logs" ADD COLUMN "retried_at" TIMESTAMPTZ(3);
