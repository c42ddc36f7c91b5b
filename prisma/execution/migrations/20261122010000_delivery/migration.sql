-- AlterTable
ALTER TABLE "delivery_logs" ADD COLUMN     "locked_until" TIMESTAMPTZ(3),
ADD COLUMN     "synced_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "suppressions" (
    "channel" "Channel" NOT NULL,
    "address" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "suppressions_pkey" PRIMARY KEY ("channel","address")
);

-- CreateIndex
CREATE INDEX "delivery_logs_synced_at_status_idx" ON "delivery_logs"("synced_at", "status");
