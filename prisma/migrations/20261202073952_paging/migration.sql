-- CreateEnum
CREATE TYPE "ContactMethodKind" AS ENUM ('EMAIL', 'WEBHOOK');

-- CreateEnum
CREATE TYPE "EscalationState" AS ENUM ('ACTIVE', 'ACKNOWLEDGED', 'EXHAUSTED', 'STOPPED');

-- CreateEnum
CREATE TYPE "EscalationStepKind" AS ENUM ('PAGE', 'EXHAUST', 'OWNER');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "TimelineEntryKind" ADD VALUE 'PAGED';
ALTER TYPE "TimelineEntryKind" ADD VALUE 'ESCALATED';
ALTER TYPE "TimelineEntryKind" ADD VALUE 'ESCALATION_EXHAUSTED';

-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "contactMethodId" UUID,
ALTER COLUMN "subscriberId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "ContactMethod" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "kind" "ContactMethodKind" NOT NULL,
    "address" TEXT NOT NULL,
    "signingSecret" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ContactMethod_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Escalation" (
    "incidentId" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "state" "EscalationState" NOT NULL,
    "level" INTEGER NOT NULL DEFAULT 0,
    "cycle" INTEGER NOT NULL DEFAULT 0,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "nextEscalationAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Escalation_pkey" PRIMARY KEY ("incidentId")
);

-- CreateTable
CREATE TABLE "EscalationStep" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "incidentId" UUID NOT NULL,
    "generation" INTEGER NOT NULL,
    "kind" "EscalationStepKind" NOT NULL,
    "level" INTEGER NOT NULL,
    "cycle" INTEGER NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EscalationStep_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Page" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "incidentId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "level" INTEGER NOT NULL,
    "contactMethodId" UUID,
    "notificationId" UUID,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Page_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AckToken" (
    "hash" TEXT NOT NULL,
    "pageId" UUID NOT NULL,
    "incidentId" UUID NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AckToken_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE INDEX "ContactMethod_userId_createdAt_idx" ON "ContactMethod"("userId", "createdAt");

-- CreateIndex
CREATE INDEX "ContactMethod_orgId_idx" ON "ContactMethod"("orgId");

-- CreateIndex
CREATE INDEX "EscalationStep_dueAt_id_idx" ON "EscalationStep"("dueAt", "id");

-- CreateIndex
CREATE INDEX "EscalationStep_incidentId_idx" ON "EscalationStep"("incidentId");

-- CreateIndex
CREATE UNIQUE INDEX "Page_notificationId_key" ON "Page"("notificationId");

-- CreateIndex
CREATE INDEX "Page_incidentId_at_id_idx" ON "Page"("incidentId", "at", "id");

-- CreateIndex
CREATE INDEX "Page_userId_idx" ON "Page"("userId");

-- CreateIndex
CREATE INDEX "AckToken_incidentId_idx" ON "AckToken"("incidentId");

-- CreateIndex
CREATE INDEX "AckToken_pageId_idx" ON "AckToken"("pageId");

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_contactMethodId_fkey" FOREIGN KEY ("contactMethodId") REFERENCES "ContactMethod"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ContactMethod" ADD CONSTRAINT "ContactMethod_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ContactMethod" ADD CONSTRAINT "ContactMethod_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Escalation" ADD CONSTRAINT "Escalation_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Page" ADD CONSTRAINT "Page_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Page" ADD CONSTRAINT "Page_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Page" ADD CONSTRAINT "Page_contactMethodId_fkey" FOREIGN KEY ("contactMethodId") REFERENCES "ContactMethod"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Page" ADD CONSTRAINT "Page_notificationId_fkey" FOREIGN KEY ("notificationId") REFERENCES "Notification"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AckToken" ADD CONSTRAINT "AckToken_pageId_fkey" FOREIGN KEY ("pageId") REFERENCES "Page"("id") ON DELETE CASCADE ON UPDATE CASCADE;
