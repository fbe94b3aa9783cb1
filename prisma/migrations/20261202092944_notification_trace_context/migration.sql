-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "traceContext" JSONB;
