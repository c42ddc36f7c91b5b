-- CreateTable
CREATE TABLE "execution_instances" (
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "execution_instances_pkey" PRIMARY KEY ("name")
);
