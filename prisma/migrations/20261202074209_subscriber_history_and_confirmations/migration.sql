-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('INCIDENT_UPDATE', 'CONFIRMATION');

-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "kind" "NotificationKind" NOT NULL DEFAULT 'INCIDENT_UPDATE',
ALTER COLUMN "incidentId" DROP NOT NULL,
ALTER COLUMN "updateId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Subscriber" ADD COLUMN     "confirmSentAt" TIMESTAMP(3),
ADD COLUMN     "unsubscribedAt" TIMESTAMP(3);

-- Confirmations mailed before this migration count from when their subscriber was created.
UPDATE "Subscriber" SET "confirmSentAt" = "createdAt" WHERE "confirmedAt" IS NULL AND "confirmToken" IS NOT NULL;
