-- CreateIndex
CREATE INDEX "Incident_orgId_createdAt_id_idx" ON "Incident"("orgId", "createdAt" DESC, "id");

-- CreateIndex
CREATE INDEX "Incident_orgId_updatedAt_id_idx" ON "Incident"("orgId", "updatedAt" DESC, "id");
