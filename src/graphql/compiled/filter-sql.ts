import type { IncidentCondition, ValueColumn } from '../incident-filter.js';

/** Binds a value as the next parameter of the statement; returns its placeholder with the cast. */
export type Bind = (value: unknown, cast: string) => string;

/** The PostgreSQL type of each column a filter compares with values (their enum types, or uuid). */
const COLUMN_TYPES: Record<ValueColumn, string> = {
  status: '"IncidentStatus"',
  severity: '"IncidentSeverity"',
  impact: '"IncidentImpact"',
  kind: '"IncidentKind"',
  ownerId: 'uuid',
};

/**
 * The SQL of an incident condition over the row `alias` of "Incident": the same condition the
 * general path hands Prisma (incident-filter.ts), written as Prisma writes it, values bound.
 */
export function conditionSql(condition: IncidentCondition, alias: string, bind: Bind): string {
  const column = (name: string) => `${alias}."${name}"`;
  switch (condition.kind) {
    case 'all':
      return condition.of.length === 0 ? 'TRUE' : `(${condition.of.map((part) => conditionSql(part, alias, bind)).join(' AND ')})`;
    case 'any':
      return condition.of.length === 0 ? 'FALSE' : `(${condition.of.map((part) => conditionSql(part, alias, bind)).join(' OR ')})`;
    case 'nothing':
      return 'FALSE';
    case 'equals':
      return `${column(condition.column)} = ${bind(condition.value, COLUMN_TYPES[condition.column])}`;
    case 'in':
      return `${column(condition.column)} = ANY(${bind(condition.values, `${COLUMN_TYPES[condition.column]}[]`)})`;
    case 'notIn':
      return `${column(condition.column)} <> ALL(${bind(condition.values, `${COLUMN_TYPES[condition.column]}[]`)})`;
    case 'isNull':
      return `${column(condition.column)} IS ${condition.isNull ? '' : 'NOT '}NULL`;
    case 'range': {
      const operators = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
      const parts = (Object.keys(operators) as (keyof typeof operators)[]).flatMap((bound) => {
        const value = condition[bound];
        // Prisma's DateTime columns hold UTC without a zone; PostgreSQL drops the literal's "Z".
        return value ? [`${column(condition.column)} ${operators[bound]} ${bind(value.toISOString(), 'timestamp(3)')}`] : [];
      });
      return `(${parts.join(' AND ')})`;
    }
    case 'components': {
      const exists = `EXISTS (SELECT 1 FROM "IncidentComponent" ${alias}c WHERE ${alias}c."incidentId" = ${column('id')} AND ${alias}c."componentId" = ANY(${bind(condition.ids, 'uuid[]')}))`;
      return condition.has === 'some' ? exists : `NOT ${exists}`;
    }
    case 'tags':
      if (condition.has === 'has') return `${column('tagKeys')} @> ARRAY[${bind(condition.keys[0], 'text')}]`;
      return `${condition.has === 'hasNone' ? 'NOT ' : ''}(${column('tagKeys')} && ${bind(condition.keys, 'text[]')})`;
    case 'search': {
      const pattern = bind(`%${condition.pattern}%`, 'text');
      return `(${column('title')} ILIKE ${pattern} OR ${column('description')} ILIKE ${pattern})`;
    }
  }
}
