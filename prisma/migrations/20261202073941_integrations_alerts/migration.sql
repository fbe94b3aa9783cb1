-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('FIRING', 'ACKNOWLEDGED', 'RESOLVED');

-- CreateTable
CREATE TABLE "Integration" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "autoResolve" BOOLEAN NOT NULL DEFAULT true,
    "ownerId" UUID,
    "scheduleId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastEventAt" TIMESTAMP(3),

    CONSTRAINT "Integration_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IntegrationComponent" (
    "integrationId" UUID NOT NULL,
    "componentId" UUID NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "IntegrationComponent_pkey" PRIMARY KEY ("integrationId","componentId")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "integrationId" UUID NOT NULL,
    "incidentId" UUID,
    "dedupKey" TEXT NOT NULL,
    "openDedupKey" TEXT,
    "groupKey" TEXT NOT NULL,
    "status" "AlertStatus" NOT NULL DEFAULT 'FIRING',
    "summary" TEXT NOT NULL,
    "severity" "IncidentSeverity" NOT NULL,
    "source" TEXT,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "details" JSONB,
    "links" JSONB NOT NULL DEFAULT '[]',
    "count" INTEGER NOT NULL DEFAULT 1,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Integration_keyHash_key" ON "Integration"("keyHash");

-- CreateIndex
CREATE INDEX "Integration_orgId_createdAt_idx" ON "Integration"("orgId", "createdAt");

-- CreateIndex
CREATE INDEX "IntegrationComponent_componentId_idx" ON "IntegrationComponent"("componentId");

-- CreateIndex
CREATE INDEX "Alert_integrationId_groupKey_firstSeenAt_idx" ON "Alert"("integrationId", "groupKey", "firstSeenAt");

-- CreateIndex
CREATE INDEX "Alert_incidentId_firstSeenAt_id_idx" ON "Alert"("incidentId", "firstSeenAt", "id");

-- CreateIndex
CREATE INDEX "Alert_orgId_firstSeenAt_id_idx" ON "Alert"("orgId", "firstSeenAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Alert_integrationId_openDedupKey_key" ON "Alert"("integrationId", "openDedupKey");

-- AddForeignKey
ALTER TABLE "Integration" ADD CONSTRAINT "Integration_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Integration" ADD CONSTRAINT "Integration_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Integration" ADD CONSTRAINT "Integration_scheduleId_fkey" FOREIGN KEY ("scheduleId") REFERENCES "Schedule"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IntegrationComponent" ADD CONSTRAINT "IntegrationComponent_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IntegrationComponent" ADD CONSTRAINT "IntegrationComponent_componentId_fkey" FOREIGN KEY ("componentId") REFERENCES "Component"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_integrationId_fkey" FOREIGN KEY ("integrationId") REFERENCES "Integration"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE SET NULL ON UPDATE CASCADE;
