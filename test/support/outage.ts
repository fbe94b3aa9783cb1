import {
  AddComponentDocument,
  AddUserDocument,
  OpenIncidentDocument,
  PostUpdateDocument,
  type IncidentSeverity,
} from '../../src/client/generated/graphql.js';
import type { TestGateway } from './gateway.js';
import { sendOk } from './typed.js';

// Names unlike the demo data's (prisma/seed.ts), so that an outage can be added to it.
const SERVICES = ['Checkout', 'Card payments', 'Search', 'Login', 'Webhook delivery', 'Admin console', 'Mobile API', 'Email delivery', 'CDN', 'Billing exports'];
const PROBLEMS = [
  'returns 502 for a share of requests',
  'is slow',
  'fails for customers in eu-west-1 after the network provider lost a transit link between two of its data centres',
  'times out',
  'drops events',
  'shows stale data',
  'rejects valid sessions and logs people out every few minutes, support is flooded with tickets',
  'is down',
];
const PEOPLE = ['Katherine Johnson', 'Alan Turing', 'Barbara Liskov', 'Margaret Hamilton-Featherstonehaugh'];

/** Severities of a big outage, worst first: a few critical, more high, most medium and low. */
function severityOf(index: number, count: number): IncidentSeverity {
  const share = index / count;
  return share < 0.06 ? 'CRITICAL' : share < 0.2 ? 'HIGH' : share < 0.55 ? 'MEDIUM' : 'LOW';
}

/**
 * `count` open incidents as a big outage brings them: varied severities, titles from short to long
 * (up to two lines on a row), owners, affected components and a latest update each. Returns their titles.
 */
export async function openOutage(gateway: Pick<TestGateway, 'graphqlUrl'>, key: string, count: number): Promise<string[]> {
  const components: string[] = [];
  for (const [index, name] of SERVICES.entries()) {
    const { createComponent } = await sendOk(gateway, key, AddComponentDocument, { input: { name, group: index < 5 ? 'Core' : 'Edge' } });
    components.push(createComponent.component!.id);
  }
  const owners: string[] = [];
  for (const [index, name] of PEOPLE.entries()) {
    const { createUser } = await sendOk(gateway, key, AddUserDocument, { input: { name, email: `person${index}@example.com` } });
    owners.push(createUser.user!.id);
  }
  const titles: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const title = `${SERVICES[index % SERVICES.length]} ${PROBLEMS[index % PROBLEMS.length]}`;
    const { createIncident } = await sendOk(gateway, key, OpenIncidentDocument, {
      input: {
        title,
        severity: severityOf(index, count),
        message: 'Investigating: error rates rose sharply a few minutes ago.',
        ownerId: index % 5 === 4 ? undefined : owners[index % owners.length],
        components: [
          { componentId: components[index % components.length], status: index % 3 === 0 ? 'MAJOR_OUTAGE' : 'PARTIAL_OUTAGE' },
          { componentId: components[(index + 3) % components.length], status: 'DEGRADED_PERFORMANCE' },
        ],
        startedAt: new Date(Date.now() - (count - index) * 7 * 60_000).toISOString(),
      },
    });
    if (createIncident.userErrors.length > 0) throw new Error(JSON.stringify(createIncident.userErrors));
    if (index % 4 === 0) {
      await sendOk(gateway, key, PostUpdateDocument, {
        incidentId: createIncident.incident!.id,
        body: 'Mitigation in progress: traffic is being shifted to the secondary region while the provider investigates.',
      });
    }
    titles.push(title);
  }
  return titles;
}
