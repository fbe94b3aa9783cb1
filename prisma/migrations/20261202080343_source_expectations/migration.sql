-- DropIndex
DROP INDEX "Incident_tags_idx";

-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "impactDescription" TEXT,
ADD COLUMN     "tagKeys" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "IncidentUpdate" ADD COLUMN     "authorId" UUID;

-- CreateIndex
CREATE INDEX "Incident_orgId_acknowledgedAt_idx" ON "Incident"("orgId", "acknowledgedAt");

-- CreateIndex
CREATE INDEX "Incident_tagKeys_idx" ON "Incident" USING GIN ("tagKeys");

-- CreateIndex
CREATE INDEX "Incident_orgId_externalRef_idx" ON "Incident"("orgId", "externalRef");

-- CreateIndex
CREATE INDEX "IncidentUpdate_authorId_idx" ON "IncidentUpdate"("authorId");

-- AddForeignKey
ALTER TABLE "IncidentUpdate" ADD CONSTRAINT "IncidentUpdate_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Tags written before tagKeys existed: their keys (the application writes them lower-cased with the tags from now on).
UPDATE "Incident" SET "tagKeys" = ARRAY(SELECT lower(tag) FROM unnest("tags") AS tag) WHERE cardinality("tags") > 0;
