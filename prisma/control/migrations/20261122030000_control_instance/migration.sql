-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('email', 'sms');

-- CreateEnum
CREATE TYPE "PublicationAction" AS ENUM ('publish', 'unpublish');

-- CreateEnum
CREATE TYPE "PublicationState" AS ENUM ('pending', 'done', 'failed');

-- AlterTable
ALTER TABLE "execution_instances" ADD COLUMN     "archive_cursor" TEXT,
ADD COLUMN     "archived_count" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "credential" TEXT NOT NULL,
ADD COLUMN     "last_error" TEXT,
ADD COLUMN     "last_run_at" TIMESTAMPTZ(3),
ADD COLUMN     "last_success_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "templates" (
    "name" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "subject" TEXT NOT NULL DEFAULT '',
    "html" TEXT NOT NULL DEFAULT '',
    "text" TEXT NOT NULL DEFAULT '',
    "published_version" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "templates_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "template_versions" (
    "template_name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "event_type" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "subject" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "template_versions_pkey" PRIMARY KEY ("template_name","version")
);

-- CreateTable
CREATE TABLE "publications" (
    "template_name" TEXT NOT NULL,
    "instance" TEXT NOT NULL,
    "action" "PublicationAction" NOT NULL,
    "version" INTEGER NOT NULL,
    "state" "PublicationState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "publications_pkey" PRIMARY KEY ("template_name","instance")
);

-- CreateTable
CREATE TABLE "archived_events" (
    "instance" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "email" TEXT,
    "mobile_phone" TEXT,
    "external_id" TEXT,
    "status" TEXT NOT NULL,
    "status_reason" TEXT,
    "template_name" TEXT,
    "template_version" INTEGER,
    "attempts" INTEGER NOT NULL,
    "scheduled_at" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "linked_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "archived_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "archived_events_pkey" PRIMARY KEY ("instance","id")
);

-- CreateTable
CREATE TABLE "archived_deliveries" (
    "instance" TEXT NOT NULL,
    "id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "channel" "Channel" NOT NULL,
    "status" TEXT NOT NULL,
    "recipient" TEXT NOT NULL,
    "template_name" TEXT NOT NULL,
    "template_version" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL,
    "last_error" TEXT,
    "provider_message_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "archived_deliveries_pkey" PRIMARY KEY ("instance","id")
);

-- CreateIndex
CREATE INDEX "templates_event_type_channel_idx" ON "templates"("event_type", "channel");

-- CreateIndex
CREATE INDEX "archived_events_instance_type_status_idx" ON "archived_events"("instance", "type", "status");

-- CreateIndex
CREATE INDEX "archived_events_created_at_idx" ON "archived_events"("created_at");

-- CreateIndex
CREATE INDEX "archived_deliveries_instance_event_id_idx" ON "archived_deliveries"("instance", "event_id");

-- AddForeignKey
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_template_name_fkey" FOREIGN KEY ("template_name") REFERENCES "templates"("name") ON DELETE CASCADE ON UPDATE CASCADE;
