import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { buildSchema, graphql, type GraphQLObjectType } from 'graphql';
import pg from 'pg';
import { GATEWAY, W5_FILTER } from './workloads.js';

/**
 * The hand-written limits the gateway is measured against, on PORT of 127.0.0.1, for the org
 * BENCH_ORG_ID (no API key check):
 *   POST /w0     plain node:http answering `{ __typename }`
 *   POST /w1     incident(id) built as JSON by one prepared SQL statement
 *   POST /w2     incidents(first: 50) built as JSON by one prepared SQL statement
 *   POST /naive  incidents(first: 50) through graphql-js with one SQL query per field and parent
 *   POST /w3     createIncident with 2 components as one hand-written transaction
 *   POST /w5-open, /w5-page2, /w5-filter, /w5-board   W5's client operations, each one prepared statement
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10) });
const orgId = process.env.BENCH_ORG_ID!;
const port = Number(process.env.PORT);

const INCIDENT_JSON = `json_build_object(
  'id', i.id, 'number', i.number, 'title', i.title, 'status', i.status, 'severity', i.severity, 'startedAt', i."startedAt",
  'owner', (SELECT json_build_object('id', u.id, 'name', u.name, 'email', u.email) FROM "User" u WHERE u.id = i."ownerId"),
  'timeline', json_build_object('nodes', COALESCE((
    SELECT json_agg(json_build_object('id', t.id, 'kind', t.kind, 'body', t.body, 'postedAt', t."postedAt") ORDER BY t.sequence)
    FROM (SELECT * FROM "IncidentUpdate" WHERE "incidentId" = i.id ORDER BY sequence LIMIT 5) t), '[]')),
  'affectedComponents', COALESCE((
    SELECT json_agg(json_build_object('status', ic.status, 'component', json_build_object('id', c.id, 'name', c.name, 'status', c.status)) ORDER BY ic.position)
    FROM "IncidentComponent" ic JOIN "Component" c ON c.id = ic."componentId" WHERE ic."incidentId" = i.id), '[]'))`;

const W1_SQL = `SELECT json_build_object('data', json_build_object('incident', ${INCIDENT_JSON}))::text AS body
  FROM "Incident" i WHERE i.id = $1 AND i."orgId" = $2`;

const W2_SQL = `SELECT json_build_object('data', json_build_object('incidents', json_build_object(
    'totalCount', (SELECT count(*) FROM "Incident" WHERE "orgId" = $1),
    'nodes', COALESCE(json_agg(${INCIDENT_JSON} ORDER BY i."startedAt" DESC, i.id DESC), '[]'))))::text AS body
  FROM (SELECT * FROM "Incident" WHERE "orgId" = $1 ORDER BY "startedAt" DESC, id DESC LIMIT 50) i`;

// ------------------------------------------------------------ W5: the operations clients send

const OWNER_NAME = `(SELECT json_build_object('name', u.name) FROM "User" u WHERE u.id = i."ownerId")`;
const OWNER_ID_NAME = `(SELECT json_build_object('id', u.id, 'name', u.name) FROM "User" u WHERE u.id = i."ownerId")`;
/** The last `count` timeline entries, oldest first (timeline(last: count)). */
const lastEntries = (count: number, fields: string) => `json_build_object('nodes', COALESCE((
    SELECT json_agg(json_build_object(${fields}) ORDER BY t.sequence)
    FROM (SELECT * FROM "IncidentUpdate" WHERE "incidentId" = i.id ORDER BY sequence DESC LIMIT ${count}) t), '[]'))`;
const components = (fields: string) => `COALESCE((
    SELECT json_agg(json_build_object('status', ic.status, 'component', json_build_object(${fields})) ORDER BY ic.position)
    FROM "IncidentComponent" ic JOIN "Component" c ON c.id = ic."componentId" WHERE ic."incidentId" = i.id), '[]')`;

/** OpenIncidents (schema/operations/open-incidents.graphql): open ones, worst first. */
const W5_OPEN_SQL = `SELECT json_build_object('data', json_build_object('incidents', json_build_object(
    'totalCount', (SELECT count(*) FROM "Incident" WHERE "orgId" = $1 AND "resolvedAt" IS NULL),
    'nodes', COALESCE(json_agg(json_build_object(
      'id', i.id, 'number', i.number, 'title', i.title, 'status', i.status, 'severity', i.severity, 'impact', i.impact, 'version', i.version,
      'owner', ${OWNER_NAME},
      'affectedComponents', ${components(`'name', c.name`)},
      'timeline', ${lastEntries(3, `'kind', t.kind, 'body', t.body, 'postedAt', t."postedAt", 'cursor', t.id`)}
    ) ORDER BY i.severity, i.id), '[]'))))::text AS body
  FROM (SELECT * FROM "Incident" WHERE "orgId" = $1 AND "resolvedAt" IS NULL ORDER BY severity, id LIMIT 25) i`;

/** W2's list, the page after the incident $2 (keyset on the order's columns). */
const W5_PAGE2_SQL = `SELECT json_build_object('data', json_build_object('incidents', json_build_object(
    'totalCount', (SELECT count(*) FROM "Incident" WHERE "orgId" = $1),
    'pageInfo', json_build_object('hasNextPage', count(*) > 50, 'endCursor', (array_agg(i.id ORDER BY i.rn DESC) FILTER (WHERE i.rn <= 50))[1]),
    'nodes', COALESCE(json_agg(${INCIDENT_JSON} ORDER BY i.rn) FILTER (WHERE i.rn <= 50), '[]'))))::text AS body
  FROM (SELECT *, row_number() OVER (ORDER BY "startedAt" DESC, id DESC) AS rn FROM "Incident"
        WHERE "orgId" = $1 AND ("startedAt", id) < (SELECT "startedAt", id FROM "Incident" WHERE id = $2 AND "orgId" = $1)
        ORDER BY "startedAt" DESC, id DESC LIMIT 51) i`;

/** incidents(first: 25) with a status, a severity and a tag. */
const W5_FILTER_SQL = `SELECT json_build_object('data', json_build_object('incidents', json_build_object(
    'totalCount', (SELECT count(*) FROM "Incident" WHERE "orgId" = $1 AND status = $2::"IncidentStatus" AND severity = $3::"IncidentSeverity" AND "tagKeys" @> ARRAY[$4::text]),
    'nodes', COALESCE(json_agg(${INCIDENT_JSON} ORDER BY i."startedAt" DESC, i.id DESC), '[]'))))::text AS body
  FROM (SELECT * FROM "Incident" WHERE "orgId" = $1 AND status = $2::"IncidentStatus" AND severity = $3::"IncidentSeverity" AND "tagKeys" @> ARRAY[$4::text]
        ORDER BY "startedAt" DESC, id DESC LIMIT 25) i`;

/**
 * The board's BoardSnapshot (schema/operations/board.graphql). On-call is worked out for what the
 * bench seeds (each schedule's top layer rotating without restrictions, no overrides): the
 * shift at $3 and the shifts starting in [$3, $4).
 */
const SHIFT = `make_interval(secs => l."shiftLengthSeconds")`;
const W5_BOARD_SQL = `SELECT json_build_object('data', json_build_object(
    'viewer', json_build_object('organization', (SELECT json_build_object('name', o.name) FROM "Organization" o WHERE o.id = $1)),
    'incidents', (SELECT json_build_object(
      'totalCount', (SELECT count(*) FROM "Incident" WHERE "orgId" = $1 AND status = ANY($2::"IncidentStatus"[])),
      'nodes', COALESCE(json_agg(json_build_object(
        'id', i.id, 'number', i.number, 'title', i.title, 'kind', i.kind, 'severity', i.severity, 'status', i.status, 'impact', i.impact,
        'startedAt', i."startedAt", 'scheduledFor', i."scheduledFor", 'version', i.version,
        'owner', ${OWNER_ID_NAME},
        'affectedComponents', ${components(`'id', c.id, 'name', c.name`)},
        'timeline', ${lastEntries(1, `'id', t.id, 'kind', t.kind, 'status', t.status, 'body', t.body, 'postedAt', t."postedAt", 'sequence', t.sequence, 'cursor', t.id`)},
        'escalation', (SELECT json_build_object('state', e.state, 'level', e.level, 'nextEscalationAt', e."nextEscalationAt",
            'pages', json_build_object('nodes', COALESCE((SELECT json_agg(json_build_object('level', p.level, 'at', p.at, 'user', json_build_object('id', u.id, 'name', u.name)))
              FROM (SELECT * FROM "Page" WHERE "incidentId" = i.id ORDER BY at DESC, id DESC LIMIT 1) p JOIN "User" u ON u.id = p."userId"), '[]')))
          FROM "Escalation" e WHERE e."incidentId" = i.id)
      ) ORDER BY i.severity, i.id), '[]'))
      FROM (SELECT * FROM "Incident" WHERE "orgId" = $1 AND status = ANY($2::"IncidentStatus"[]) ORDER BY severity, id LIMIT 50) i),
    'schedules', json_build_object('nodes', COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name,
        'upcoming', COALESCE((SELECT json_agg(json_build_object('startsAt', greatest($3::timestamptz, l."rotationStart" + k * ${SHIFT})) ORDER BY k)
          FROM generate_series(n.k, ceil(extract(epoch FROM $4::timestamptz - l."rotationStart") / l."shiftLengthSeconds")::int - 1) k), '[]'),
        'onCall', (SELECT json_build_object('startsAt', l."rotationStart" + n.k * ${SHIFT}, 'endsAt', l."rotationStart" + (n.k + 1) * ${SHIFT},
            'user', json_build_object('id', u.id, 'name', u.name), 'override', NULL)
          FROM "ScheduleLayerParticipant" p JOIN "User" u ON u.id = p."userId"
          WHERE p."layerId" = l.id AND p.position = n.k % (SELECT count(*) FROM "ScheduleLayerParticipant" WHERE "layerId" = l.id))
      ) ORDER BY s."createdAt", s.id)
      FROM (SELECT * FROM "Schedule" WHERE "orgId" = $1 ORDER BY "createdAt", id LIMIT 25) s
      CROSS JOIN LATERAL (SELECT * FROM "ScheduleLayer" WHERE "scheduleId" = s.id ORDER BY position DESC LIMIT 1) l
      CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM $3::timestamptz - l."rotationStart") / l."shiftLengthSeconds")::int AS k) n), '[]'))
  ))::text AS body`;

// ------------------------------------------------------------ naive resolver-per-field GraphQL

const naiveSchema = buildSchema(`
  type Query { incidents(first: Int!): IncidentConnection! }
  type IncidentConnection { totalCount: Int! nodes: [Incident!]! }
  type User { id: ID! name: String! email: String! }
  type Component { id: ID! name: String! status: String! }
  type TimelineEntry { id: ID! kind: String! body: String! postedAt: String! }
  type TimelineConnection { nodes: [TimelineEntry!]! }
  type AffectedComponent { status: String! component: Component! }
  type Incident {
    id: ID! number: Int! title: String! status: String! severity: String! startedAt: String!
    owner: User
    timeline(first: Int!): TimelineConnection!
    affectedComponents: [AffectedComponent!]!
  }
`);
type Row = Record<string, any>;
const rows = async (sql: string, values: unknown[]) => (await pool.query(sql, values)).rows as Row[];
const fields = (type: string) => (naiveSchema.getType(type) as GraphQLObjectType).getFields();
fields('Query').incidents.resolve = async (_root, args: { first: number }) => ({
  totalCount: Number((await rows('SELECT count(*) FROM "Incident" WHERE "orgId" = $1', [orgId]))[0].count),
  nodes: await rows('SELECT * FROM "Incident" WHERE "orgId" = $1 ORDER BY "startedAt" DESC, id DESC LIMIT $2', [orgId, args.first]),
});
fields('Incident').startedAt.resolve = (incident: Row) => incident.startedAt.toISOString();
fields('Incident').owner.resolve = async (incident: Row) =>
  incident.ownerId ? (await rows('SELECT * FROM "User" WHERE id = $1', [incident.ownerId]))[0] : null;
fields('Incident').timeline.resolve = async (incident: Row, args: { first: number }) => ({
  nodes: await rows('SELECT * FROM "IncidentUpdate" WHERE "incidentId" = $1 ORDER BY sequence LIMIT $2', [incident.id, args.first]),
});
fields('TimelineEntry').postedAt.resolve = (entry: Row) => entry.postedAt.toISOString();
fields('Incident').affectedComponents.resolve = (incident: Row) =>
  rows('SELECT * FROM "IncidentComponent" WHERE "incidentId" = $1 ORDER BY position', [incident.id]);
fields('AffectedComponent').component.resolve = async (link: Row) => (await rows('SELECT * FROM "Component" WHERE id = $1', [link.componentId]))[0];

// ------------------------------------------------------------ createIncident as one transaction

async function createIncident(title: string, componentIds: string[]): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const components = await client.query({
      name: 'w3-components',
      text: 'SELECT id, status FROM "Component" WHERE "orgId" = $1 AND id = ANY($2::uuid[])',
      values: [orgId, componentIds],
    });
    if (components.rowCount !== componentIds.length) throw new Error('unknown component');
    const org = await client.query({
      name: 'w3-number',
      text: 'UPDATE "Organization" SET "nextIncidentNumber" = "nextIncidentNumber" + 1 WHERE id = $1 RETURNING "nextIncidentNumber" - 1 AS number',
      values: [orgId],
    });
    const incident = await client.query({
      name: 'w3-incident',
      text: `INSERT INTO "Incident" (id, "orgId", number, title, status, "lastUpdateSequence", "updatedAt")
             VALUES (gen_random_uuid(), $1, $2, $3, 'INVESTIGATING', 1, now()) RETURNING id, number`,
      values: [orgId, org.rows[0].number, title],
    });
    const { id, number } = incident.rows[0];
    await client.query({
      name: 'w3-components-link',
      text: `INSERT INTO "IncidentComponent" ("incidentId", "componentId", status, position)
             SELECT $1, c.id, c.status, c.ord - 1 FROM unnest($2::uuid[], $3::"ComponentStatus"[]) WITH ORDINALITY AS c(id, status, ord)`,
      values: [id, components.rows.map((row) => row.id), components.rows.map((row) => row.status)],
    });
    await client.query({
      name: 'w3-timeline',
      text: `INSERT INTO "IncidentUpdate" (id, "orgId", "incidentId", sequence, kind, status, body, "notifySubscribers")
             VALUES (gen_random_uuid(), $1, $2, 1, 'CREATED', 'INVESTIGATING', 'We are investigating this incident.', true)`,
      values: [orgId, id],
    });
    await client.query('COMMIT');
    return JSON.stringify({ data: { createIncident: { incident: { id, number }, userErrors: [] } } });
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

// ------------------------------------------------------------ http

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  switch (req.url) {
    case '/w0':
      return send(res, '{"data":{"__typename":"Query"}}');
    case '/w1': {
      const { variables } = JSON.parse(body);
      const result = await pool.query({ name: 'w1', text: W1_SQL, values: [variables.id, orgId] });
      return send(res, result.rows[0]?.body ?? '{"data":{"incident":null}}');
    }
    case '/w2': {
      const result = await pool.query({ name: 'w2', text: W2_SQL, values: [orgId] });
      return send(res, result.rows[0].body);
    }
    case '/w5-open':
      return send(res, (await pool.query({ name: 'w5-open', text: W5_OPEN_SQL, values: [orgId] })).rows[0].body);
    case '/w5-page2': {
      const { variables } = JSON.parse(body);
      return send(res, (await pool.query({ name: 'w5-page2', text: W5_PAGE2_SQL, values: [orgId, variables.after] })).rows[0].body);
    }
    case '/w5-filter': {
      const { status, severity, tag } = W5_FILTER;
      return send(res, (await pool.query({ name: 'w5-filter', text: W5_FILTER_SQL, values: [orgId, status, severity, tag] })).rows[0].body);
    }
    case '/w5-board': {
      const { variables } = JSON.parse(body);
      return send(res, (await pool.query({ name: 'w5-board', text: W5_BOARD_SQL, values: [orgId, variables.open, variables.now, variables.horizon] })).rows[0].body);
    }
    case '/naive': {
      const result = await graphql({ schema: naiveSchema, source: GATEWAY.incidents });
      return send(res, JSON.stringify(result));
    }
    case '/w3': {
      const { variables } = JSON.parse(body);
      return send(res, await createIncident(variables.input.title, variables.input.componentIds));
    }
    default:
      res.writeHead(404).end();
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    res.writeHead(500).end(JSON.stringify({ errors: [{ message: String(error) }] }));
  });
});
server.listen(port, '127.0.0.1', () => console.log(`baseline listening on ${port}`));
const stop = () => server.close(() => void pool.end().finally(() => process.exit(0)));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
