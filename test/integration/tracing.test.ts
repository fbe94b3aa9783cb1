import { randomBytes, randomUUID } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { backends, gql, useGateway } from '../support/gateway.js';
import { eventually, startHttpReceiver } from '../support/receivers.js';
import { wsClient } from '../support/subscriptions.js';
import { pagingClient } from '../support/paging-fixtures.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface ReceivedSpan extends OtlpSpan {
  serviceName: string | undefined;
  attribute(key: string): string | number | undefined;
}

/** A loopback OTLP/HTTP receiver (http/json): keeps every span it is sent. */
const collector = await startHttpReceiver();
function receivedSpans(): ReceivedSpan[] {
  return collector.received
    .filter((request) => request.path === '/v1/traces')
    .flatMap((request) => (JSON.parse(request.body) as { resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans)
    .flatMap(({ resource, scopeSpans }) => {
      const serviceName = resource.attributes?.find((attribute) => attribute.key === 'service.name')?.value.stringValue;
      return scopeSpans.flatMap(({ spans }) =>
        spans.map((span) => ({
          ...span,
          serviceName,
          attribute(key: string) {
            const value = span.attributes?.find((attribute) => attribute.key === key)?.value;
            return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
          },
        })),
      );
    });
}

// The SDK is process-wide and reads process.env: configured once for this file (vitest gives each file its own worker).
const TRACING_ENV = {
  OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_SERVICE_NAME: 'incident-gateway-test',
  OTEL_BSP_SCHEDULE_DELAY: '100',
};
Object.assign(process.env, TRACING_ENV);

/** A caller's W3C trace context: a fresh trace the gateway's spans must continue. */
function callerTrace() {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** The spans of one trace once they include every name in `names` (they are exported in batches). */
async function traceWith(traceId: string, names: string[]): Promise<ReceivedSpan[]> {
  let spans: ReceivedSpan[] = [];
  for (let attempt = 0; attempt < 200; attempt += 1) {
    spans = receivedSpans().filter((span) => span.traceId === traceId);
    if (names.every((name) => spans.some((span) => span.name === name))) return spans;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`trace ${traceId} has ${spans.map((span) => span.name).join(', ') || 'no spans'}, not all of ${names.join(', ')}`);
}

function one(spans: ReceivedSpan[], name: string, parent?: ReceivedSpan): ReceivedSpan {
  const found = spans.filter((span) => span.name === name && (!parent || span.parentSpanId === parent.spanId));
  expect(found, `${name} under ${parent?.name ?? 'anything'}`).toHaveLength(1);
  return found[0];
}

/** SQL statement spans (CLIENT) directly under `parent`. */
function statementsUnder(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId && span.kind === 3 && span.attribute('db.system') === 'postgresql');
}

/** The texts of the statements under `parent` once the last one (`last`) has arrived: a statement may end, and be exported, after its parent. */
async function statementTextsUnder(parent: ReceivedSpan, last: RegExp): Promise<string[]> {
  const texts = () => statementsUnder(receivedSpans(), parent).map((span) => String(span.attribute('db.query.text')));
  return eventually(() => Promise.resolve(texts().some((text) => last.test(text)) && texts()), `statements under ${parent.name}`);
}

/** Every span below `root`, at any depth. */
function descendants(spans: ReceivedSpan[], root: ReceivedSpan): ReceivedSpan[] {
  const below = spans.filter((span) => span.parentSpanId === root.spanId);
  return below.flatMap((span) => [span, ...descendants(spans, span)]);
}

afterAll(() => collector.close());

describe.each(backends)('OpenTelemetry traces on %s', (backend) => {
  const lines: string[] = [];
  const webhooks = startHttpReceiver();
  afterAll(async () => (await webhooks).close());
  const gateway = useGateway(
    backend,
    { ...TRACING_ENV, WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8', NOTIFY_POLL_MS: '50' },
    { logger: createLogger('info', { write: (line: string) => void lines.push(line) }, { traceIds: true }) },
  );
  let key: string;
  let orgId: string;

  function post(query: string, traceparent: string, variables?: Record<string, unknown>) {
    return fetch(gateway.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, traceparent },
      body: JSON.stringify({ query, variables }),
    }).then(async (response) => {
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown[] };
      expect(body.errors).toBeUndefined();
      return body.data!;
    });
  }

  beforeAll(async () => {
    ({ orgId, key } = await gateway.createOrg(['admin']));
  });

  it('traces a query: server span continuing the caller traceparent, parse/validate/execute, the root resolver and its SQL statements; logs carry the ids', async () => {
    const caller = callerTrace();
    await post('query Traced { incidents(first: 5) { totalCount nodes { id title } } }', caller.traceparent);
    const spans = await traceWith(caller.traceId, ['POST /graphql', 'graphql.execute', 'resolve Query.incidents']);
    expect(new Set(spans.map((span) => span.serviceName))).toEqual(new Set(['incident-gateway-test']));

    const server = one(spans, 'POST /graphql');
    expect(server.parentSpanId).toBe(caller.spanId);
    expect(server.kind).toBe(2);
    expect(server.attribute('http.response.status_code')).toBe(200);
    one(spans, 'graphql.parse', server);
    one(spans, 'graphql.validate', server);
    const execute = one(spans, 'graphql.execute', server);
    expect(execute.attribute('graphql.operation.name')).toBe('Traced');
    const resolver = one(spans, 'resolve Query.incidents', execute);
    expect(await statementTextsUnder(resolver, /"Incident"/)).toContainEqual(expect.stringMatching(/"Incident"/));

    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'graphql operation' && line.operationName === 'Traced');
    expect(logged).toMatchObject({ traceId: caller.traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(spans.map((span) => span.spanId)).toContain(logged!.spanId);
  });

  it('traces a mutation with its statement spans', async () => {
    const caller = callerTrace();
    const data = await post('mutation Open { createIncident(input: { title: "Traced outage" }) { incident { id } userErrors { message } } }', caller.traceparent);
    expect(data.createIncident.userErrors).toEqual([]);
    const spans = await traceWith(caller.traceId, ['POST /graphql', 'resolve Mutation.createIncident']);
    const server = one(spans, 'POST /graphql');
    expect(server.parentSpanId).toBe(caller.spanId);
    const execute = one(spans, 'graphql.execute', server);
    expect(execute.attribute('graphql.operation.type')).toBe('mutation');
    const resolver = one(spans, 'resolve Mutation.createIncident', execute);
    // One span per resolver call, however many calls and gateways came before in this process.
    expect(spans.filter((span) => span.name === resolver.name)).toHaveLength(1);
    const statements = await statementTextsUnder(resolver, /^COMMIT$/);
    expect(statements[0]).toBe('BEGIN');
    expect(statements).toContainEqual(expect.stringMatching(/INSERT INTO "Incident"/));
    expect(statements.at(-1)).toBe('COMMIT');
  });

  it('traces a subscription event over graphql-ws with the statements it runs', async () => {
    const ws = wsClient(gateway, key);
    const subscription = ws.subscribe('subscription Watch { incidentChanged { type incident { id title affectedComponents { status } timeline(first: 5) { totalCount } } } }');
    // The subscription is registered once its first statement-free handshake is done; give the server a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const startedAt = receivedSpans().length;
    await post('mutation { createIncident(input: { title: "Watched" }) { incident { id } } }', callerTrace().traceparent);
    const [event] = await subscription.take(1);
    expect(event.data?.incidentChanged).toMatchObject({ type: 'CREATED', incident: { title: 'Watched' } });
    await subscription.close();
    await ws.dispose();

    const eventSpan = await eventually(
      () => Promise.resolve(receivedSpans().slice(startedAt).find((span) => span.name === 'graphql.subscription.event')),
      'graphql.subscription.event span',
    );
    const spans = await eventually(() => {
      const trace = receivedSpans().filter((span) => span.traceId === eventSpan.traceId);
      return Promise.resolve(descendants(trace, eventSpan).some((span) => span.kind === 3) && trace);
    }, 'statements under the event');
    expect(descendants(spans, eventSpan).filter((span) => span.kind === 3).map((span) => span.attribute('db.query.text'))).toContainEqual(
      expect.stringMatching(/"TimelineEntry"|"IncidentComponent"|"Incident"/),
    );
  });

  it('delivers a webhook in a notification.deliver span continuing the trace that wrote it, with its traceparent', async () => {
    const receiver = await webhooks;
    const prisma = gateway.running.db.prisma;
    const page = await prisma.statusPage.create({ data: { orgId, slug: `traced-${orgId.slice(0, 8)}`, name: 'Traced status' } });
    const statusPageId = encodeGlobalID('StatusPage', page.id);
    const subscribed = await gql(gateway, key, 'mutation ($input: SubscribeInput!) { subscribe(input: $input) { userErrors { message } } }', {
      input: { statusPageId, webhookUrl: `${receiver.url}/hook` },
    });
    expect(subscribed.data?.subscribe.userErrors).toEqual([]);

    const caller = callerTrace();
    await post('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { userErrors { message } } }', caller.traceparent, {
      input: { title: 'Announced', message: 'Looking into it.', statusPageIds: [statusPageId] },
    });
    const delivery = await eventually(() => Promise.resolve(receiver.received.find((request) => request.path === '/hook')), 'webhook delivery');
    const traceparent = String(delivery.headers.traceparent);
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const [, traceId, spanId] = traceparent.split('-');
    expect(traceId).toBe(caller.traceId);

    const spans = await traceWith(caller.traceId, ['notification.deliver']);
    const deliver = one(spans, 'notification.deliver');
    expect(deliver.spanId).toBe(spanId);
    expect(deliver.attribute('notification.id')).toBe(delivery.headers['idempotency-key']);
    expect(deliver.attribute('notification.channel')).toBe('WEBHOOK');
    expect(deliver.attribute('notification.attempt')).toBe(1);
    // Its parent is the span of the resolver that wrote the notification.
    expect(spans.find((span) => span.spanId === deliver.parentSpanId)?.name).toBe('resolve Mutation.createIncident');
  });

  it('carries out escalation steps in escalation.step spans in the trace of the mutation that started paging, each under the one before, pages delivered under them', async () => {
    const receiver = await webhooks;
    const client = pagingClient(gateway, key);
    const first = await client.user('Traced First', `${receiver.url}/level-0`);
    const second = await client.user('Traced Second', `${receiver.url}/level-1`);
    const schedule = await client.schedule([first.id]);
    // No delays: level 1 follows level 0 at once, then the escalation runs out.
    await client.policy(
      [
        { delayMinutes: 0, targets: [{ scheduleId: schedule }] },
        { delayMinutes: 0, targets: [{ userId: second.id }] },
      ],
      0,
    );
    const caller = callerTrace();
    const data = await post('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } userErrors { message } } }', caller.traceparent, {
      input: { title: 'Paged', ownerScheduleId: schedule },
    });
    expect(data.createIncident.userErrors).toEqual([]);
    const incidentId = decodeGlobalID(data.createIncident.incident.id).id;
    const pageTo = (path: string) => eventually(() => Promise.resolve(receiver.received.find((request) => request.path === path)), `the page to ${path}`);
    const pages = [await pageTo('/level-0'), await pageTo('/level-1')].map((page) => String(page.headers.traceparent).split('-'));
    expect(pages.map(([, traceId]) => traceId)).toEqual([caller.traceId, caller.traceId]);

    const spans = await eventually(() => {
      const trace = receivedSpans().filter((span) => span.traceId === caller.traceId);
      const steps = trace.filter((span) => span.name === 'escalation.step' && span.attribute('escalation.kind') === 'PAGE');
      const delivered = trace.filter((span) => span.name === 'notification.deliver');
      return Promise.resolve(steps.length === 2 && delivered.length === 2 && trace);
    }, 'both steps and their deliveries in the caller trace');
    const resolver = one(spans, 'resolve Mutation.createIncident');
    const steps = [0, 1].map((level) => {
      const found = spans.filter((span) => span.name === 'escalation.step' && span.attribute('escalation.level') === level && span.attribute('escalation.kind') === 'PAGE');
      expect(found, `escalation.step at level ${level}`).toHaveLength(1);
      expect(found[0].attribute('incident.id')).toBe(incidentId);
      return found[0];
    });
    // The first step was scheduled by the mutation, the second by the first.
    expect(steps[0].parentSpanId).toBe(resolver.spanId);
    expect(steps[1].parentSpanId).toBe(steps[0].spanId);
    // The step's statements are under its span: its page written to the outbox, then the next step scheduled.
    expect(await statementTextsUnder(steps[0], /INSERT INTO .*"EscalationStep"/)).toContainEqual(expect.stringMatching(/INSERT INTO .*"Notification"/));
    steps.forEach((step, level) => {
      const [, , spanId] = pages[level];
      const deliver = one(spans, 'notification.deliver', step);
      expect(deliver.spanId).toBe(spanId);
      expect(deliver.attribute('notification.channel')).toBe('WEBHOOK');
    });
  });

  it('carries out a step stored without a trace context (written before steps kept one) in a trace of its own', async () => {
    // Of no incident: the step does nothing, but it is claimed and carried out all the same.
    const incidentId = randomUUID();
    await gateway.running.db.prisma.escalationStep.create({ data: { orgId, incidentId, generation: 1, kind: 'PAGE', level: 0, cycle: 0, dueAt: new Date() } });
    const step = await eventually(
      () => Promise.resolve(receivedSpans().find((span) => span.name === 'escalation.step' && span.attribute('incident.id') === incidentId)),
      'its escalation.step span',
    );
    expect(step.parentSpanId).toBeFalsy();
  });
});
