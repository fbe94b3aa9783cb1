import { formatPrismaCursor } from '@pothos/plugin-prisma';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportedStatement } from '../../src/db/statement-reporter.js';
import { createChildDatabase, type ChildDatabase } from '../support/child-gateway.js';
import { backends, gql, useGateway } from '../support/gateway.js';

const ORGS = 20;
const INCIDENTS_PER_ORG = 500; // 10,000 incidents in all
/** Longer than a page of timeline, to show that a page reads only what it shows. */
const UPDATES_PER_INCIDENT = 20;

/** Plan nodes, flattened (EXPLAIN FORMAT JSON). */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

/** A literal PostgreSQL coerces to whatever type the parameter had, like an untyped bind parameter. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return literal(`{${value.map((item) => `"${String(item).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  const text = value instanceof Date ? value.toISOString() : String(value);
  return `'${text.replace(/'/g, "''")}'`;
}

function withArguments(statement: ReportedStatement): string {
  return statement.sql.replace(/\$(\d+)/g, (_match, index: string) => literal(statement.args[Number(index) - 1]));
}

const LIST = `
  query List($filter: IncidentFilter, $orderBy: IncidentOrder, $after: String) {
    incidents(first: 25, filter: $filter, orderBy: $orderBy, after: $after) {
      totalCount
      nodes { id title owner { name } timeline(first: 5) { nodes { body } } affectedComponents { component { name } } }
    }
  }`;

const TIMELINE = `
  query Timeline($id: ID!) {
    incident(id: $id) { id timeline(first: 5) { totalCount nodes { id body } } }
  }`;

/**
 * On a board of 10,000 incidents in 20 organizations (500 each, 20 timeline entries each), the
 * statements of the main incident queries use our indexes: EXPLAIN shows no sequential scan of
 * Incident or IncidentUpdate, and an index of Incident is used. Both ways of answering are
 * checked: the statements Prisma sends (COMPILED_READS=off), and with compiled reads on, their
 * single statement wherever they take the query (default order, timelines) and Prisma's elsewhere.
 */
describe.each(backends)('index use of the incident queries on %s', (backend) => {
  let database: ChildDatabase;
  let key: string;
  let ownerId: string;
  let componentId: string;
  let incidentId: string;
  let incidentCursor: string;

  // Seeded once; the gateways of both ways of answering open it in turn.
  beforeAll(async () => {
    database = await createChildDatabase(backend);
    const org = await database.createOrg(['read']);
    key = org.key;
    await database.withDatabase(async ({ prisma }) => {
      await prisma.$executeRawUnsafe(
        `INSERT INTO "Organization" (id, slug, name) SELECT gen_random_uuid(), 'bulk-' || g, 'Bulk ' || g FROM generate_series(2, ${ORGS}) g`,
      );
      await prisma.$executeRawUnsafe(
        `INSERT INTO "User" (id, "orgId", name, email) SELECT gen_random_uuid(), o.id, 'User ' || u, 'user' || u || '@example.com' FROM "Organization" o CROSS JOIN generate_series(0, 9) u`,
      );
      await prisma.$executeRawUnsafe(
        `INSERT INTO "Component" (id, "orgId", name, position, "updatedAt") SELECT gen_random_uuid(), o.id, 'Component ' || c, c, now() FROM "Organization" o CROSS JOIN generate_series(0, 19) c`,
      );
      await prisma.$executeRawUnsafe(`
        INSERT INTO "Incident" (id, "orgId", number, title, status, severity, impact, "ownerId", tags, "tagKeys", "startedAt", "createdAt", "updatedAt", "resolvedAt", "acknowledgedAt")
        SELECT gen_random_uuid(), o.id, g, 'Incident ' || g,
          (ARRAY['INVESTIGATING','IDENTIFIED','MONITORING','RESOLVED','POSTMORTEM'])[1 + g % 5]::"IncidentStatus",
          (ARRAY['CRITICAL','HIGH','MEDIUM','LOW'])[1 + g % 4]::"IncidentSeverity",
          (ARRAY['NONE','MINOR','MAJOR','CRITICAL'])[1 + (g / 7) % 4]::"IncidentImpact",
          (SELECT u.id FROM "User" u WHERE u."orgId" = o.id AND u.email = 'user' || (g % 10) || '@example.com'),
          ARRAY['Tag' || (g % 50)], ARRAY['tag' || (g % 50)],
          now() - g * interval '1 hour', now() - g * interval '1 hour', now() - g * interval '37 minutes',
          CASE WHEN g % 5 >= 3 THEN now() - g * interval '1 hour' + interval '20 minutes' END,
          CASE WHEN g % 5 >= 1 THEN now() - g * interval '1 hour' + interval '5 minutes' END
        FROM "Organization" o CROSS JOIN generate_series(1, ${INCIDENTS_PER_ORG}) g`);
      await prisma.$executeRawUnsafe(`
        INSERT INTO "IncidentComponent" ("incidentId", "componentId", status)
        SELECT i.id, c.id, 'DEGRADED_PERFORMANCE' FROM "Incident" i JOIN "Component" c ON c."orgId" = i."orgId" AND c.position = i.number % 20`);
      await prisma.$executeRawUnsafe(`
        INSERT INTO "IncidentUpdate" (id, "orgId", "incidentId", sequence, kind, status, body, "postedAt")
        SELECT gen_random_uuid(), i."orgId", i.id, s, 'MESSAGE', i.status, 'Update ' || s, i."startedAt" + s * interval '1 minute'
        FROM "Incident" i
        CROSS JOIN generate_series(1, ${UPDATES_PER_INCIDENT}) s`);
      await prisma.$executeRawUnsafe('VACUUM ANALYZE');
      const [owner] = await prisma.user.findMany({ where: { orgId: org.orgId }, take: 1 });
      const [component] = await prisma.component.findMany({ where: { orgId: org.orgId }, take: 1 });
      const [incident] = await prisma.incident.findMany({ where: { orgId: org.orgId }, take: 1 });
      ownerId = encodeGlobalID('User', owner.id);
      componentId = encodeGlobalID('Component', component.id);
      incidentId = encodeGlobalID('Incident', incident.id);
      incidentCursor = formatPrismaCursor({ id: incident.id }, 'id');
      expect(await prisma.incident.count()).toBe(ORGS * INCIDENTS_PER_ORG);
    });
  }, 120_000);
  afterAll(async () => database?.drop());

  describe.each(['on', 'off'] as const)('compiled reads %s', (compiledReads) => {
    const gateway = useGateway(backend, () => ({ ...database.env, NOTIFY_POLL_MS: '3600000', ESCALATION_POLL_MS: '3600000', COMPILED_READS: compiledReads }));

    /** The statements of one request that read incidents or their timeline (not the key lookup). */
    async function incidentStatements(query: string, variables: Record<string, unknown>): Promise<ReportedStatement[]> {
      const { result: response, statements } = await gateway.statementsDuring(() => gql(gateway, key, query, variables));
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      return statements.filter((statement) => /"Incident(Update)?"/.test(statement.sql));
    }

    async function explain(statement: ReportedStatement, analyze = false): Promise<PlanNode[]> {
      const rows = await gateway.running.db.prisma.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(
        `EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${withArguments(statement)}`,
      );
      const plan = rows[0]['QUERY PLAN'];
      const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: PlanNode }[];
      return planNodes(parsed[0].Plan);
    }

    function describePlan(nodes: PlanNode[]): string {
      return nodes.map((node) => `${node['Node Type']} ${node['Relation Name'] ?? ''} ${node['Index Name'] ?? ''}`.trim()).join('\n');
    }

    async function expectIndexedPlans(query: string, variables: Record<string, unknown>) {
      const statements = await incidentStatements(query, variables);
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        const nodes = await explain(statement);
        const context = `${statement.sql}\n\n${describePlan(nodes)}`;
        const sequentialScans = nodes.filter(
          (node) => node['Node Type'] === 'Seq Scan' && ['Incident', 'IncidentUpdate'].includes(node['Relation Name'] ?? ''),
        );
        expect(sequentialScans, context).toEqual([]);
        if (/FROM "public"\."Incident"/.test(statement.sql)) {
          expect(nodes.some((node) => node['Index Name']?.startsWith('Incident_')), context).toBe(true);
        }
      }
    }

    const recent = () => new Date(Date.now() - 48 * 3600_000).toISOString();
    const cases: [string, () => Record<string, unknown>][] = [
      ['the default order (newest startedAt first)', () => ({})],
      ['a status filter', () => ({ filter: { status: { in: ['INVESTIGATING', 'IDENTIFIED', 'MONITORING'] } } })],
      ['a severity filter', () => ({ filter: { severity: { eq: 'CRITICAL' } } })],
      ['an impact filter', () => ({ filter: { impact: { eq: 'MAJOR' } } })],
      ['a startedAt range', () => ({ filter: { startedAt: { gte: recent(), lt: new Date().toISOString() } } })],
      ['an owner filter', () => ({ filter: { ownerId: { eq: ownerId } } })],
      ['a component filter', () => ({ filter: { componentId: { eq: componentId } } })],
      ['a tag filter', () => ({ filter: { tag: { eq: 'TAG7' } } })],
      ['a resolvedAt range', () => ({ filter: { resolvedAt: { gte: recent() } } })],
      ['an acknowledgedAt range', () => ({ filter: { acknowledgedAt: { gte: recent() } } })],
      ['the "new" view (not acknowledged, not resolved)', () => ({ filter: { acknowledgedAt: { isNull: true }, resolvedAt: { isNull: true } } })],
      ['ordering by createdAt', () => ({ orderBy: { field: 'CREATED_AT' } })],
      ['ordering by updatedAt', () => ({ orderBy: { field: 'UPDATED_AT', direction: 'ASC' } })],
      ['ordering by number', () => ({ orderBy: { field: 'NUMBER' } })],
      ['ordering by severity', () => ({ orderBy: { field: 'SEVERITY' } })],
      ['a page after a cursor', () => ({ after: incidentCursor })],
      ['a page after a cursor, open ones by severity', () => ({ after: incidentCursor, filter: { resolvedAt: { isNull: true } }, orderBy: { field: 'SEVERITY', direction: 'ASC' } })],
    ];

    it.each(cases)('lists incidents with %s through an index', async (_name, variables) => {
      await expectIndexedPlans(LIST, variables());
      // Every one of these is a shape compiled reads answer in one statement.
      const statements = await incidentStatements(LIST, variables());
      expect(statements.map((statement) => statement.sql.includes('json_build_array'))).toEqual(compiledReads === 'on' ? [true] : statements.map(() => false));
    });

    it("reads one incident's timeline through an index", async () => {
      await expectIndexedPlans(TIMELINE, { id: incidentId });
    });

    it('reads at most first + 1 timeline entries per incident of a page', async () => {
      const [list] = (await incidentStatements(LIST, {})).filter((statement) => statement.sql.includes('"IncidentUpdate"'));
      expect(list.sql.includes('json_build_array')).toBe(compiledReads === 'on');
      const timelineScans = (await explain(list, true)).filter(
        (node) => node['Relation Name'] === 'IncidentUpdate' || node['Index Name']?.startsWith('IncidentUpdate_'),
      );
      expect(timelineScans.length).toBeGreaterThan(0);
      // Actual Rows is per loop, i.e. per incident of the page.
      for (const scan of timelineScans) expect(scan['Actual Rows']).toBeLessThanOrEqual(6);
    });
  });
});
