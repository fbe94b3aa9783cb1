import { decodeGlobalID } from '@pothos/plugin-relay';
import type { GatewayContext } from './context.js';
import { builder } from './builder.js';
import { NO_ROW_ID } from '../domain/ids.js';
import { scopedNodeWhere } from './common.js';
import { ComponentRef } from './types/component.js';
import { IncidentRef } from './types/incident.js';
import { StatusPageRef } from './types/status-page.js';
import { UserRef } from './types/user.js';

/**
 * Apollo Federation 2 entities, keyed by their global id as `node(id)` takes it: another subgraph
 * that holds an id can extend these types. A reference resolves exactly as `node` does: an id of
 * another type, of another organization or malformed is null, and without a key nothing is found.
 */
function whereOf(globalId: string, typename: string, context: GatewayContext) {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    return { id: NO_ROW_ID };
  }
  if (decoded.typename !== typename || !context.auth) return { id: NO_ROW_ID };
  return scopedNodeWhere(decoded.id, context);
}

const key = builder.selection<{ id: string }>('id');

builder.asEntity(IncidentRef, {
  key,
  resolveReference: ({ id }, context) => context.db.prisma.incident.findFirst({ where: whereOf(id, 'Incident', context) }),
});
builder.asEntity(ComponentRef, {
  key,
  resolveReference: ({ id }, context) => context.db.prisma.component.findFirst({ where: whereOf(id, 'Component', context) }),
});
builder.asEntity(UserRef, {
  key,
  resolveReference: ({ id }, context) => context.db.prisma.user.findFirst({ where: whereOf(id, 'User', context) }),
});
builder.asEntity(StatusPageRef, {
  key,
  resolveReference: ({ id }, context) => context.db.prisma.statusPage.findFirst({ where: whereOf(id, 'StatusPage', context) }),
});
