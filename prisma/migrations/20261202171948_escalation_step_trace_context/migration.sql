-- AlterTable
ALTER TABLE "EscalationStep" ADD COLUMN     "traceContext" JSONB;
