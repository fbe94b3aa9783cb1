import { randomUUID } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, gql, useGateway } from '../support/gateway.js';
import { generalPathOf } from '../support/general-path.js';
import { idSites, introspectSchema, nodeTypesOf, outcomeOf, selectionOf, siteRequests, typeNamed, type IdSite } from '../support/schema-walk.js';
import { pubsubListeners, wsClient, type Subscription } from '../support/subscriptions.js';

/**
 * Tenancy, from the schema: organizations A and B each get one of every kind of object through the
 * API, then A's key is sent, wherever the schema takes them, B's ids and B's other handles (a
 * private page's slug, an incident number A does not have). Everything is found by walking the
 * schema, so a new list, lookup, mutation or subscription is covered the day it is added; what it
 * needs from this file is at most a fixture in `populate`, or a placeholder value (test/support/schema-walk.ts).
 */

type Field = GraphQLField<unknown, unknown>;

/** An organization as the test knows it: its key, every id its own requests saw, and the handles that find one of its objects. */
interface Org {
  key: string;
  ids: Set<string>;
  /** The first id seen of each type: the object other id positions name. */
  first: Record<string, string>;
  /** Values other than ids that find one of its objects, by argument name. */
  handles: Record<string, unknown>;
  incidentId: string;
  componentId: string;
}

/** Handles that find nothing, by argument name, for the same arguments as Org.handles. */
const MISSING_HANDLES: Record<string, unknown> = { slug: 'no-such-page', statusPageSlug: 'no-such-page', number: 999_999 };

/** Fields that change with the owner's own requests, not with anyone else's: left out of before/after comparisons. */
const VOLATILE = new Set(['lastUsedAt']);

/** Two queries for one: as sent (compiled reads take it when they can) and forced onto the general path. */
const READ_PATHS = [
  ['as sent', (query: string) => query],
  ['general path', generalPathOf],
] as const;

const typenameOf = (id: string) => decodeGlobalID(id).typename;

/** Every `id` in a response, whatever its shape. */
function idsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => idsIn(item, into));
  else if (value && typeof value === 'object') {
    for (const [name, inner] of Object.entries(value)) {
      if (name === 'id' && typeof inner === 'string') into.add(inner);
      else idsIn(inner, into);
    }
  }
  return into;
}

const isRequired = (argument: Field['args'][number]) => isNonNullType(argument.type) && argument.defaultValue === undefined;

/** Root Query fields that are Relay connections. */
function connectionFields(schema: GraphQLSchema): Field[] {
  return Object.values(schema.getQueryType()!.getFields()).filter((field) => {
    const type = getNamedType(field.type);
    return isObjectType(type) && 'pageInfo' in type.getFields() && 'edges' in type.getFields();
  });
}

/** What a connection is asked for: its total when it has one, and the ids of one full page. */
function connectionSelection(field: Field): string {
  const fields = (getNamedType(field.type) as GraphQLObjectType).getFields();
  return `${'totalCount' in fields ? 'totalCount ' : ''}${'nodes' in fields ? 'nodes { id }' : 'edges { node { id } }'}`;
}

/** Leaf fields of a type that need no argument. */
function leavesOf(schema: GraphQLSchema, typename: string): string {
  const type = schema.getType(typename);
  if (!isObjectType(type)) return '';
  return Object.values(type.getFields())
    .filter((field) => isLeafType(getNamedType(field.type)) && !field.args.some(isRequired) && !VOLATILE.has(field.name))
    .map((field) => field.name)
    .join(' ');
}

/** A connection as one organization sees it. */
interface List {
  errors: unknown[];
  totalCount?: number;
  ids: string[];
}

const describeList = (list: List) => `totalCount ${list.totalCount}, ${list.ids.length} ids${list.errors.length ? `, errors ${JSON.stringify(list.errors)}` : ''}`;

interface SubscriptionOutcome {
  data?: unknown;
  errors?: unknown[];
  failed?: unknown;
  nothing?: true;
}

/** What a subscription answers first (a result or a failure) once it has; `within(ms)` says nothing when it has not by then. */
function firstOf(subscription: Subscription) {
  const settled = subscription.next().then(
    (result): SubscriptionOutcome => ({ data: result.data ?? null, errors: result.errors?.map((error) => error.extensions?.code) ?? [] }),
    (error: unknown): SubscriptionOutcome => ({
      failed: Array.isArray(error) ? error.map((inner: { extensions?: { code?: unknown } }) => inner.extensions?.code) : String(error),
    }),
  );
  return {
    settled,
    within: (ms: number) => Promise.race([settled, new Promise<SubscriptionOutcome>((resolve) => setTimeout(() => resolve({ nothing: true }), ms))]),
  };
}

describe.each(backends)('tenancy on %s', (backend) => {
  // The notification outbox is left alone (it polls once an hour): B's notifications stay as written.
  const gateway = useGateway(backend, { NOTIFY_POLL_MS: '3600000' });
  let schema: GraphQLSchema;
  let nodeTypes: string[];
  let connections: Field[];
  let a: Org;
  let b: Org;
  /** Every connection as A saw it before B had anything. */
  const aBeforeB = new Map<string, List>();
  /** And every other root field that names no object (incidentStats, viewer...). */
  const aSummaryBeforeB = new Map<string, unknown>();

  /** A connection as `org` sees it: ids of its first page (all of them, here) and the total. */
  async function listOf(org: Org, field: Field, path: (query: string) => string = (query) => query): Promise<List> {
    const site: IdSite = { operation: 'query', field, path: [] };
    const requests = siteRequests(nodeTypes, org.first);
    const variables = { ...requests.variablesFor(site, ''), ...(field.args.some((argument) => argument.name === 'first') ? { first: 100 } : {}) };
    const response = await gql(gateway, org.key, path(requests.operationFor(site, connectionSelection(field))), variables);
    const page = response.data?.[field.name] as { totalCount?: number; nodes?: { id: string }[]; edges?: { node: { id: string } }[] } | undefined;
    return {
      errors: response.errors?.map((error) => error.extensions?.code) ?? [],
      totalCount: page?.totalCount,
      ids: page?.nodes?.map((node) => node.id) ?? page?.edges?.map((edge) => edge.node.id) ?? [],
    };
  }

  /**
   * One of every kind of object, made through the API with the organization's key: user, contact
   * method, component, private status page, schedule and override, escalation policy, integration and
   * an alert through it, subscriber, API key, incident with an update (and so a notification).
   * Its ids are those its requests saw, less `others` (another organization's).
   */
  async function populate(org: { key: string; slug: string }, others: ReadonlySet<string> = new Set()): Promise<Org> {
    const seen = new Set<string>();
    const tag = org.slug;
    async function send(query: string, variables?: Record<string, unknown>) {
      const response = await gql(gateway, org.key, query, variables);
      expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
      idsIn(response.data, seen);
      return response.data!;
    }
    async function create(name: string, input: Record<string, unknown>, selection: string) {
      const inputType = `${name[0].toUpperCase()}${name.slice(1)}Input`;
      const data = await send(`mutation ($input: ${inputType}!) { ${name}(input: $input) { ${selection} userErrors { code field message } } }`, { input });
      expect(data[name].userErrors, name).toEqual([]);
      return data[name];
    }
    const hour = 3_600_000;
    const { user } = await create('createUser', { name: `${tag} responder`, email: `responder@${tag}.example.com` }, 'user { id }');
    await create('addContactMethod', { userId: user.id, kind: 'EMAIL', address: `pager@${tag}.example.com` }, 'contactMethod { id }');
    const { component } = await create('createComponent', { name: `${tag} API` }, 'component { id }');
    const { statusPage } = await create(
      'createStatusPage',
      // Private: a public page is readable by anyone through its slug, by design.
      { slug: `${tag}-status`, name: `${tag} status`, public: false, componentIds: [component.id] },
      'statusPage { id slug }',
    );
    const { schedule } = await create(
      'createSchedule',
      {
        name: `${tag} primary`,
        timeZone: 'UTC',
        layers: [{ name: 'Primary', rotationStart: new Date(Date.now() - hour).toISOString(), shiftLengthSeconds: 86_400, participantIds: [user.id] }],
      },
      'schedule { id }',
    );
    const tomorrow = Date.now() + 24 * hour;
    await create(
      'createScheduleOverride',
      { scheduleId: schedule.id, userId: user.id, startsAt: new Date(tomorrow).toISOString(), endsAt: new Date(tomorrow + hour).toISOString() },
      'scheduleOverride { id }',
    );
    await create(
      'createEscalationPolicy',
      { name: `${tag} policy`, repeatCount: 0, rules: [{ delayMinutes: 5, targets: [{ userId: user.id }, { scheduleId: schedule.id }] }] },
      'escalationPolicy { id }',
    );
    const { integrationKey } = await create('createIntegration', { name: `${tag} monitoring`, componentIds: [component.id] }, 'integration { id } integrationKey');
    await create('subscribe', { statusPageId: statusPage.id, email: `reader@${tag}.example.com` }, 'subscriber { id }');
    await create('createApiKey', { name: `${tag} reader`, scopes: ['read'] }, 'apiKey { id }');
    const { incident } = await create(
      'createIncident',
      { title: `${tag} outage`, componentIds: [component.id], statusPageIds: [statusPage.id], message: 'Looking into it.' },
      'incident { id timeline(first: 10) { nodes { id } } }',
    );
    await create('postIncidentUpdate', { incidentId: incident.id, body: 'Found it.' }, 'update { id }');
    const enqueued = await fetch(`${gateway.url}/v2/enqueue`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ routing_key: integrationKey, event_action: 'trigger', dedup_key: `${tag}-disk`, payload: { summary: 'Disk full', source: `${tag}-db`, severity: 'critical' } }),
    });
    expect(enqueued.status).toBe(202);

    const result: Org = { key: org.key, ids: seen, first: {}, handles: { slug: statusPage.slug, statusPageSlug: statusPage.slug }, incidentId: incident.id, componentId: component.id };
    // And whatever its lists and its viewer show (alerts, notifications, its own admin key, ...).
    await send('{ viewer { organization { id } } }');
    // Not what belongs to another organization, should a list show it: the list test reports that.
    for (const field of connections) (await listOf(result, field)).ids.filter((id) => !others.has(id)).forEach((id) => seen.add(id));
    for (const id of seen) result.first[typenameOf(id)] ??= id;
    return result;
  }

  /** Root Query fields that find something by a required id or handle: node, incident(id), statusPage(slug), onCall(scheduleId)... */
  function lookupFields(): Field[] {
    return Object.values(schema.getQueryType()!.getFields()).filter((field) =>
      field.args.some((argument) => isRequired(argument) && (getNamedType(argument.type).name === 'ID' || argument.name in MISSING_HANDLES)),
    );
  }

  /**
   * What a root query is asked for, small enough for compiled reads to take: a connection's total and
   * ids, an object's `__typename id`; an object without id (incidentStats, onCall), two levels of it.
   */
  function readSelection(field: Field): string {
    const named = getNamedType(field.type);
    if (!isCompositeType(named)) return '';
    if (connections.includes(field)) return connectionSelection(field);
    return isAbstractType(named) || (isObjectType(named) && 'id' in named.getFields()) ? '__typename id' : selectionOf(named, 2);
  }

  /** Root Query fields that are neither connections nor lookups: what they answer is about the whole organization. */
  function summaryFields(): Field[] {
    const lookups = lookupFields();
    return Object.values(schema.getQueryType()!.getFields()).filter((field) => !connections.includes(field) && !lookups.includes(field));
  }

  /** What `org` gets from a summary field, required arguments filled with placeholders (incidentStats: a window holding every incident). */
  async function summaryOf(org: Org, field: Field, path: (query: string) => string = (query) => query) {
    const site: IdSite = { operation: 'query', field, path: [] };
    const requests = siteRequests(nodeTypes, org.first);
    return outcomeOf(await gql(gateway, org.key, path(requests.operationFor(site, readSelection(field))), requests.variablesFor(site, '')));
  }

  /** Everything an organization has, as it sees it: each object's scalars, and each list. */
  async function everythingOf(org: Org) {
    const objects = [];
    for (const type of nodeTypes) {
      const ids = [...org.ids].filter((id) => typenameOf(id) === type);
      const response = await gql(gateway, org.key, `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename ... on ${type} { ${leavesOf(schema, type)} } } }`, { ids });
      expect(response.errors, type).toBeUndefined();
      objects.push(response.data);
    }
    const lists = [];
    for (const field of connections) lists.push([field.name, await listOf(org, field)]);
    return { objects, lists };
  }

  beforeAll(async () => {
    const orgA = await gateway.createOrg(['admin']);
    const orgB = await gateway.createOrg(['admin']);
    schema = await introspectSchema(gateway, orgA.key);
    nodeTypes = nodeTypesOf(schema);
    connections = connectionFields(schema);
    a = await populate(orgA);
    for (const field of connections) aBeforeB.set(field.name, await listOf(a, field));
    for (const field of summaryFields()) aSummaryBeforeB.set(field.name, await summaryOf(a, field));
    b = await populate(orgB, a.ids);
    // An incident number A does not have: B has one more incident.
    const extra = await gql(gateway, b.key, 'mutation { createIncident(input: { title: "B only" }) { incident { id number } } }');
    b.ids.add(extra.data!.createIncident.incident.id);
    b.handles.number = extra.data!.createIncident.incident.number;
  });

  it('gives each organization one of every kind of node, and walks the lists, summaries and lookups the schema has', () => {
    for (const org of [a, b]) expect(Object.keys(org.first).sort()).toEqual([...nodeTypes].sort());
    expect(connections.map((field) => field.name)).toEqual(
      expect.arrayContaining(['incidents', 'alerts', 'users', 'components', 'apiKeys', 'integrations', 'schedules', 'escalationPolicies', 'statusPages', 'subscribers', 'notifications']),
    );
    expect(lookupFields().map((field) => field.name)).toEqual(
      expect.arrayContaining(['node', 'nodes', 'incident', 'incidentByNumber', 'component', 'user', 'schedule', 'escalationPolicy', 'statusPage', 'onCall', 'notificationPreview']),
    );
    expect(summaryFields().map((field) => field.name)).toContain('incidentStats');
  });

  it('lists only its own organization in every root connection: same ids and totalCount as before B existed, on both read paths', async () => {
    const failures: string[] = [];
    for (const field of connections) {
      for (const [pathName, path] of READ_PATHS) {
        const where = `${field.name} (${pathName})`;
        const seenByA = await listOf(a, field, path);
        const seenByB = await listOf(b, field, path);
        const leaked = seenByA.ids.filter((id) => b.ids.has(id));
        if (leaked.length > 0) failures.push(`${where}: A sees B's ${leaked.map(typenameOf).join(', ')}`);
        const before = aBeforeB.get(field.name)!;
        if (JSON.stringify(seenByA) !== JSON.stringify(before)) {
          failures.push(`${where}: A sees ${describeList(seenByA)} now that B has objects, ${describeList(before)} before`);
        }
        // Without B's own objects in it, the list would show nothing either way: give B one in populate().
        if (!seenByB.ids.some((id) => b.ids.has(id))) failures.push(`${where}: B's own list has none of B's objects (${JSON.stringify(seenByB)})`);
        if (seenByB.ids.some((id) => a.ids.has(id))) failures.push(`${where}: B sees A's objects`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('counts only its own organization in every other root field that names no object (incidentStats...): the same answer as before B existed, on both read paths', async () => {
    const failures: string[] = [];
    for (const field of summaryFields()) {
      for (const [pathName, path] of READ_PATHS) {
        const answer = await summaryOf(a, field, path);
        const before = aSummaryBeforeB.get(field.name);
        if (JSON.stringify(answer) !== JSON.stringify(before)) failures.push(`${field.name} (${pathName}): A gets ${JSON.stringify(answer)} now that B has objects, ${JSON.stringify(before)} before`);
        const leaked = [...idsIn(answer)].filter((id) => b.ids.has(id));
        if (leaked.length > 0) failures.push(`${field.name} (${pathName}): A sees B's ${leaked.map(typenameOf).join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers A, for every one of B's ids and handles, in every lookup, as for a missing one (and B with its object), on both read paths", async () => {
    const failures: string[] = [];
    let compared = 0;
    for (const field of lookupFields()) {
      const query = siteRequests(nodeTypes, {}).operationFor({ operation: 'query', field, path: [] }, readSelection(field));
      /** Each call: B's ids for one id argument (each alone, or all of them in a list), or B's handles. */
      const calls: { what: string; site: IdSite; list: boolean; ids: string[] }[] = [];
      for (const argument of field.args.filter(isRequired)) {
        if (getNamedType(argument.type).name === 'ID') {
          const list = isListType(getNullableType(argument.type));
          const site: IdSite = { operation: 'query', field, path: list ? [argument.name, '0'] : [argument.name] };
          // node and nodes take any type; incident(id) its own.
          const wanted = isAbstractType(getNamedType(field.type)) ? null : typeNamed(site, nodeTypes);
          const ids = [...b.ids].filter((candidate) => wanted === null || typenameOf(candidate) === wanted);
          if (list) calls.push({ what: `${argument.name}: B's ${ids.length} ids`, site, list, ids });
          else calls.push(...ids.map((id) => ({ what: `${argument.name}: B's ${typenameOf(id)}`, site, list, ids: [id] })));
        } else if (argument.name in b.handles) {
          calls.push({ what: `${argument.name}: B's ${JSON.stringify(b.handles[argument.name])}`, site: { operation: 'query', field, path: [] }, list: false, ids: [] });
        }
      }
      if (calls.length === 0) failures.push(`${field.name}: B has nothing it could find`);
      for (const call of calls) {
        /** The field's arguments: `ids` at the call's id position, the others from `first` and `handles`. */
        const argumentsWith = (ids: string[], first: Record<string, string>, handles: Record<string, unknown>) => {
          const variables = siteRequests(nodeTypes, first, handles).variablesFor(call.site, ids[0] ?? '');
          return call.list ? { ...variables, [call.site.path[0]]: ids } : variables;
        };
        const missingIds = call.ids.map((id) => encodeGlobalID(typenameOf(id), randomUUID()));
        const own = outcomeOf(await gql(gateway, b.key, query, argumentsWith(call.ids, b.first, b.handles)));
        for (const [pathName, path] of READ_PATHS) {
          const where = `${field.name}(${call.what}) (${pathName})`;
          const missing = outcomeOf(await gql(gateway, a.key, path(query), argumentsWith(missingIds, a.first, MISSING_HANDLES)));
          const foreign = outcomeOf(await gql(gateway, a.key, path(query), argumentsWith(call.ids, a.first, b.handles)));
          if (JSON.stringify(foreign) !== JSON.stringify(missing)) failures.push(`${where}: A gets ${JSON.stringify(foreign)}, for a missing one ${JSON.stringify(missing)}`);
          // B finds its own object: the lookup would show it to A if it were not scoped.
          if (JSON.stringify(own) === JSON.stringify(missing)) failures.push(`${where}: B does not find its own object either: ${JSON.stringify(own)}`);
          compared += 1;
        }
      }
    }
    expect(failures).toEqual([]);
    // node alone takes each of B's ids, on both paths.
    expect(compared).toBeGreaterThan(2 * b.ids.size);
  });

  it("answers A, for B's id in every id argument of every query and mutation, as for a missing id, and leaves B's objects as they were", async () => {
    const before = await everythingOf(b);
    const failures: string[] = [];
    const requests = siteRequests(nodeTypes, a.first);
    // Deletions last, so that one that wrongly succeeds does not hide what the others would do to the same object.
    const deletes = (site: IdSite) => {
      const payload = getNamedType(site.field.type);
      return isObjectType(payload) && Object.keys(payload.getFields()).some((name) => name.startsWith('deleted'));
    };
    const sites = idSites(schema).sort((first, second) => Number(deletes(first)) - Number(deletes(second)));
    for (const site of sites) {
      const type = typeNamed(site, nodeTypes);
      const where = `${site.field.name}(${site.path.join('.')})`;
      const foreignId = b.first[type];
      if (!foreignId) {
        failures.push(`${where}: B has no ${type}; add one to populate()`);
        continue;
      }
      for (const [pathName, path] of site.operation === 'query' ? READ_PATHS : ([['mutation', (query: string) => query]] as const)) {
        // A read asks what compiled reads can take, so that both paths run; a mutation, its whole payload.
        const query = path(site.operation === 'query' ? requests.operationFor(site, readSelection(site.field)) : requests.operationFor(site));
        const missing = outcomeOf(await gql(gateway, a.key, query, requests.variablesFor(site, encodeGlobalID(type, randomUUID()))));
        const foreign = outcomeOf(await gql(gateway, a.key, query, requests.variablesFor(site, foreignId)));
        if (JSON.stringify(foreign) !== JSON.stringify(missing)) {
          failures.push(`${where} with B's ${type} (${pathName}): ${JSON.stringify(foreign)} instead of, for a missing id, ${JSON.stringify(missing)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await everythingOf(b)).toEqual(before);
  }, 60_000);

  describe('subscriptions', () => {
    const clients: ReturnType<typeof wsClient>[] = [];
    afterAll(() => clients.forEach((client) => client.dispose()));

    /** What an event is asked for: its scalars and its objects' (so the ids of what it is about). */
    const eventSelection = (field: Field) => selectionOf(getNamedType(field.type) as GraphQLObjectType, 2);

    /** Subscribes and waits until the subscription is live (its pub/sub listener attached) or has failed. */
    async function open(client: ReturnType<typeof wsClient>, query: string, variables: Record<string, unknown>) {
      const before = await pubsubListeners(gateway);
      const first = firstOf(client.subscribe(query, variables));
      let settled = false;
      void first.settled.then(() => (settled = true));
      for (const giveUp = Date.now() + 5_000; !settled && (await pubsubListeners(gateway)) <= before; ) {
        if (Date.now() > giveUp) throw new Error(`${query} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return first;
    }

    /** A change that every subscription field reports: a timeline entry (incidentChanged, incidentTimeline) and a component status (componentStatusChanged). */
    async function change(org: Org) {
      const posted = await gql(gateway, org.key, 'mutation ($id: ID!) { postIncidentUpdate(input: { incidentId: $id, body: "Still on it." }) { userErrors { code } } }', {
        id: org.incidentId,
      });
      const status = await gql(gateway, org.key, 'mutation ($id: ID!) { setComponentStatus(input: { id: $id, status: MAJOR_OUTAGE }) { userErrors { code } } }', {
        id: org.componentId,
      });
      expect([posted.data, status.data]).toEqual([{ postIncidentUpdate: { userErrors: [] } }, { setComponentStatus: { userErrors: [] } }]);
    }

    it("answers A, subscribing with B's ids and handles, as for missing ones, and sends A nothing of B's", async () => {
      const fields = Object.values(schema.getSubscriptionType()!.getFields());
      const withB = siteRequests(nodeTypes, b.first, b.handles);
      const withNothing = siteRequests(nodeTypes, {}, MISSING_HANDLES);
      // Each field with its required arguments (B's objects and handles), then B's id at each id position.
      const sites: IdSite[] = [...fields.map((field): IdSite => ({ operation: 'subscription', field, path: [] })), ...idSites(schema, ['subscription'])];
      const cases = sites.map((site) => {
        const type = typeNamed(site, nodeTypes);
        const query = withB.operationFor(site, eventSelection(site.field));
        return {
          where: `${site.field.name}(${site.path.length > 0 ? site.path.join('.') : Object.keys(withB.variablesFor(site, '')).join(', ')})`,
          query,
          foreign: withB.variablesFor(site, b.first[type]),
          missing: withNothing.variablesFor(site, encodeGlobalID(type, randomUUID())),
        };
      });
      // incidentTimeline(incidentId) is both a required argument and an id position: once is enough.
      const distinct = cases.filter((subscription, index) => cases.findIndex((other) => other.query === subscription.query && JSON.stringify(other.foreign) === JSON.stringify(subscription.foreign)) === index);
      const [clientA, clientB] = [wsClient(gateway, a.key), wsClient(gateway, b.key)];
      clients.push(clientA, clientB);
      const opened = [];
      for (const subscription of distinct) {
        opened.push({
          ...subscription,
          withForeign: await open(clientA, subscription.query, subscription.foreign),
          withMissing: await open(clientA, subscription.query, subscription.missing),
        });
      }
      const own = [];
      for (const field of fields) {
        const site: IdSite = { operation: 'subscription', field, path: [] };
        own.push({ field: field.name, first: await open(clientB, withB.operationFor(site, eventSelection(field)), withB.variablesFor(site, '')) });
      }

      await change(b);
      // Every field reported B's change to B: so each one would have reported it to A, had it been A's to see.
      for (const { field, first } of own) expect((await first.within(5_000)).data, `${field}, subscribed by B`).toBeTruthy();
      // The same subscriptions opened after B's change: what A gets from now on without anything of B's.
      const late: ReturnType<typeof firstOf>[] = [];
      for (const subscription of opened) late.push(await open(clientA, subscription.query, subscription.foreign));
      // Then A's own change: the first thing each of A's subscriptions gets is this, unless B's reached it.
      await change(a);
      const failures: string[] = [];
      const outcomes = await Promise.all(opened.map((subscription, index) => Promise.all([subscription.withForeign, subscription.withMissing, late[index]].map((first) => first.within(200)))));
      for (const [index, subscription] of opened.entries()) {
        const [foreign, missing, afterB] = outcomes[index].map((outcome) => JSON.stringify(outcome));
        if (foreign !== missing) failures.push(`${subscription.where}: A gets ${foreign}, for missing ids ${missing}`);
        if (foreign !== afterB) failures.push(`${subscription.where}: A gets ${foreign} when subscribed before B's change, ${afterB} after it`);
        const leaked = [...idsIn(outcomes[index][0])].filter((id) => b.ids.has(id));
        if (leaked.length > 0) failures.push(`${subscription.where}: A receives B's ${leaked.map(typenameOf).join(', ')}`);
      }
      expect(failures).toEqual([]);
    });
  });
});
