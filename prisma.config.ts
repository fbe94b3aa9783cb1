import { defineConfig } from 'prisma/config';

// Prisma 7 takes the datasource URL from here; the gateway itself connects through
// driver adapters (src/db/client.ts), so this only matters to Prisma's own CLI.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/incident_gateway' },
});
