/**
 * The enums of the model (documented in schema/schema.graphql), as plain string unions.
 * Each comes with its values in a fixed order, for iteration and for GraphQL enum definitions.
 */

export const INCIDENT_KINDS = ['INCIDENT', 'MAINTENANCE'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const INCIDENT_STATUSES = [
  'INVESTIGATING',
  'IDENTIFIED',
  'MONITORING',
  'RESOLVED',
  'POSTMORTEM',
  'SCHEDULED',
  'IN_PROGRESS',
  'VERIFYING',
  'COMPLETED',
  'CANCELLED',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const INCIDENT_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export const INCIDENT_IMPACTS = ['NONE', 'MINOR', 'MAJOR', 'CRITICAL'] as const;
export type IncidentImpact = (typeof INCIDENT_IMPACTS)[number];

export const COMPONENT_STATUSES = [
  'OPERATIONAL',
  'DEGRADED_PERFORMANCE',
  'PARTIAL_OUTAGE',
  'MAJOR_OUTAGE',
  'UNDER_MAINTENANCE',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const TIMELINE_ENTRY_KINDS = [
  'CREATED',
  'MESSAGE',
  'STATUS_CHANGED',
  'SEVERITY_CHANGED',
  'IMPACT_CHANGED',
  'COMPONENTS_CHANGED',
  'OWNER_CHANGED',
  'ACKNOWLEDGED',
  'REOPENED',
  'PAGED',
  'ESCALATED',
  'ESCALATION_EXHAUSTED',
] as const;
export type TimelineEntryKind = (typeof TIMELINE_ENTRY_KINDS)[number];

/** ISO order: index + 1 is the ISO weekday number (Monday = 1), as luxon counts. */
export const DAYS_OF_WEEK = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];
