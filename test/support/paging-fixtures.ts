import { expect } from 'vitest';
import { gql } from './gateway.js';
import { startHttpReceiver, type ReceivedRequest } from './receivers.js';

/** Settings of every paging test gateway: one minute of delayMinutes is 200 ms; loopback receivers allowed. */
export const MINUTE_MS = 200;
export const PAGING_ENV = {
  ESCALATION_MINUTE_MS: String(MINUTE_MS),
  NOTIFY_POLL_MS: '50',
  WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8,::1/128',
};

/** A page as the webhook receiver got it: the request, its raw body and the body parsed. */
export interface ReceivedPage extends Omit<ReceivedRequest, 'body'> {
  raw: string;
  body: {
    id: string;
    type: string;
    level: number;
    incident: { id: string; number: number; title: string; severity: string; status: string };
    user: { id: string; name: string; email: string };
    acknowledgeUrl: string;
  };
}

/** A webhook receiver on loopback that keeps every page and answers 200. */
export async function startReceiver() {
  const received: ReceivedPage[] = [];
  const receiver = await startHttpReceiver((request, response) => {
    let body: ReceivedPage['body'];
    try {
      body = JSON.parse(request.body);
    } catch {
      // Cut off mid-request (a sender killed while sending): not received.
      response.writeHead(400).end();
      return;
    }
    received.push({ ...request, raw: request.body, body });
    response.end('ok');
  });
  return { received, urlFor: (name: string) => `${receiver.url}/${name}`, close: receiver.close };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Target = { graphqlUrl: string };

/** A client of one organization: GraphQL calls that must succeed, and the paging setup steps. */
export function pagingClient(gateway: Target, key: string) {
  async function ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const response = await gql(gateway, key, query, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    const payload = Object.values(response.data ?? {})[0] as { userErrors?: unknown[] } | null;
    if (payload && Array.isArray(payload.userErrors)) expect(payload.userErrors, JSON.stringify(payload.userErrors)).toEqual([]);
    return response.data as T;
  }
  return {
    ok,
    async user(name: string, webhookUrl?: string): Promise<{ id: string; signingSecret: string | null }> {
      const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Math.random().toString(36).slice(2, 8)}@example.com`;
      const created = await ok('mutation ($input: CreateUserInput!) { createUser(input: $input) { user { id } userErrors { message } } }', {
        input: { name, email },
      });
      const id = created.createUser.user.id as string;
      if (!webhookUrl) return { id, signingSecret: null };
      const added = await ok(
        'mutation ($input: AddContactMethodInput!) { addContactMethod(input: $input) { contactMethod { id } signingSecret userErrors { message } } }',
        { input: { userId: id, kind: 'WEBHOOK', address: webhookUrl } },
      );
      return { id, signingSecret: added.addContactMethod.signingSecret };
    },
    /** A schedule with `userIds` taking turns of a day since yesterday (the first is on call now). */
    async schedule(userIds: string[]): Promise<string> {
      const data = await ok('mutation ($input: CreateScheduleInput!) { createSchedule(input: $input) { schedule { id } userErrors { message } } }', {
        input: {
          name: `On call ${Math.random().toString(36).slice(2, 6)}`,
          timeZone: 'UTC',
          layers: [{ name: 'Primary', rotationStart: new Date(Date.now() - 3_600_000).toISOString(), shiftLengthSeconds: 86_400, participantIds: userIds }],
        },
      });
      return data.createSchedule.schedule.id;
    },
    async policy(rules: { delayMinutes: number; targets: ({ userId: string } | { scheduleId: string })[] }[], repeatCount: number): Promise<string> {
      const data = await ok(
        'mutation ($input: CreateEscalationPolicyInput!) { createEscalationPolicy(input: $input) { escalationPolicy { id } userErrors { message } } }',
        { input: { name: `Policy ${Math.random().toString(36).slice(2, 6)}`, repeatCount, rules } },
      );
      return data.createEscalationPolicy.escalationPolicy.id;
    },
    async incident(input: Record<string, unknown>): Promise<string> {
      const data = await ok('mutation ($input: CreateIncidentInput!) { createIncident(input: $input) { incident { id } userErrors { message } } }', { input });
      return data.createIncident.incident.id;
    },
    async escalation(incidentId: string) {
      const data = await ok(
        `query ($id: ID!) { incident(id: $id) { version escalation { state level nextEscalationAt policy { id }
          pages(first: 50) { totalCount nodes { level at deliveryStatus user { id name } contactMethod { id kind } } } } } }`,
        { id: incidentId },
      );
      return data.incident.escalation;
    },
    async timeline(incidentId: string): Promise<{ kind: string; body: string; notifySubscribers: boolean; postedBy: { name: string } }[]> {
      const data = await ok('query ($id: ID!) { incident(id: $id) { timeline(first: 100) { nodes { kind body notifySubscribers postedBy { name } } } } }', { id: incidentId });
      return data.incident.timeline.nodes;
    },
  };
}
