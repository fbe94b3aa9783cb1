import type { ComponentStatus, IncidentImpact } from './types.js';

const IMPACT_OF_COMPONENT_STATUS: Record<ComponentStatus, IncidentImpact> = {
  OPERATIONAL: 'NONE',
  UNDER_MAINTENANCE: 'NONE',
  DEGRADED_PERFORMANCE: 'MINOR',
  PARTIAL_OUTAGE: 'MAJOR',
  MAJOR_OUTAGE: 'CRITICAL',
};

const IMPACT_RANK: Record<IncidentImpact, number> = { NONE: 0, MINOR: 1, MAJOR: 2, CRITICAL: 3 };

/** How bad a component status is; planned maintenance ranks above OPERATIONAL but below any failure. */
const COMPONENT_STATUS_RANK: Record<ComponentStatus, number> = {
  OPERATIONAL: 0,
  UNDER_MAINTENANCE: 1,
  DEGRADED_PERFORMANCE: 2,
  PARTIAL_OUTAGE: 3,
  MAJOR_OUTAGE: 4,
};

export function impactOfComponentStatus(status: ComponentStatus): IncidentImpact {
  return IMPACT_OF_COMPONENT_STATUS[status];
}

/** The impact of an incident from the component statuses recorded in it: the worst wins. */
export function deriveImpact(statuses: readonly ComponentStatus[]): IncidentImpact {
  return statuses
    .map(impactOfComponentStatus)
    .reduce<IncidentImpact>((worst, impact) => (IMPACT_RANK[impact] > IMPACT_RANK[worst] ? impact : worst), 'NONE');
}

export function worstComponentStatus(statuses: readonly ComponentStatus[]): ComponentStatus {
  return statuses.reduce<ComponentStatus>(
    (worst, status) => (COMPONENT_STATUS_RANK[status] > COMPONENT_STATUS_RANK[worst] ? status : worst),
    'OPERATIONAL',
  );
}

/**
 * A component's own status once an incident lets go of it: the worst status other open
 * incidents still record for it, OPERATIONAL when none does.
 */
export function componentStatusAfterRelease(statusesInOtherOpenIncidents: readonly ComponentStatus[]): ComponentStatus {
  return worstComponentStatus(statusesInOtherOpenIncidents);
}

/** An explicitly set impact is stored as an override and beats the derived one. */
export function effectiveImpact(override: IncidentImpact | null, derived: IncidentImpact): IncidentImpact {
  return override ?? derived;
}
