import type { Prisma } from '../generated/prisma/client.js';

/**
 * What `incidents(orderBy)` can sort by: the IncidentOrderField values and the column each sorts.
 * The enum (types/incident.ts), the resolver's Prisma orderBy and compiled reads' ORDER BY
 * (compiled/read-plan.ts) are all read from this one map.
 */
export const INCIDENT_ORDER_FIELDS = {
  STARTED_AT: { column: 'startedAt', description: 'When the incident started (the default).' },
  CREATED_AT: { column: 'createdAt', description: 'When it was recorded.' },
  UPDATED_AT: { column: 'updatedAt', description: 'When it last changed.' },
  NUMBER: { column: 'number', description: 'Its number in your organization.' },
  SEVERITY: { column: 'severity', description: 'Severity, CRITICAL first when ascending.' },
} as const satisfies Record<string, { column: keyof Prisma.IncidentOrderByWithRelationInput; description: string }>;

export type IncidentOrderField = keyof typeof INCIDENT_ORDER_FIELDS;

export interface IncidentOrderShape {
  field: IncidentOrderField;
  direction?: 'ASC' | 'DESC' | null;
}

/** One sort key: a column of Incident and its direction. */
export interface SortKey {
  column: string;
  direction: 'asc' | 'desc';
}

/** The sort keys of an order (default STARTED_AT DESC): its column, then id to break ties, in the same direction. */
export function incidentSortKeys(order: IncidentOrderShape | null | undefined): SortKey[] {
  const direction = (order?.direction ?? 'DESC') === 'ASC' ? 'asc' : 'desc';
  return [{ column: INCIDENT_ORDER_FIELDS[order?.field ?? 'STARTED_AT'].column, direction }, { column: 'id', direction }];
}

export function incidentOrderBy(order: IncidentOrderShape | null | undefined): Prisma.IncidentOrderByWithRelationInput[] {
  return incidentSortKeys(order).map(({ column, direction }) => ({ [column]: direction }));
}
