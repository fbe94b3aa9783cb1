import { formatPrismaCursor } from '@pothos/plugin-prisma';
import {
  getArgumentValues,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isObjectType,
  Kind,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PAGE_SIZE_MIN } from '../../domain/validation.js';
import { decodeId } from '../common.js';
import { flatFields } from './selection.js';
import { TABLES, type Relation } from './tables.js';
import { incidentSortKeys, type IncidentOrderShape } from '../incident-order.js';

/**
 * Compiled reads: a query whose every field is a plain read of the incident tables (incident,
 * incidents with owner, timeline, affected components, ...) is answered by ONE SQL statement that
 * builds the response JSON in PostgreSQL, instead of graphql-js resolving each field through
 * Pothos and Prisma. Same schema, same answers (test/integration/compiled-reads.test.ts compares
 * both paths byte for byte); anything this compiler does not know (another field, a directive, a
 * cursor, a filter, an argument out of range, a caller without the read scope) goes the general
 * way, field by field, where every rule and error lives.
 */
export interface ReadPlan {
  operation: OperationDefinitionNode;
  /** The statement; $1 is the caller's organization, the others come from `params`. Null when no field needs the database. */
  sql: string | null;
  params: ParamSource[];
  /** Argument rules whose values the statement does not need (e.g. `first` of a count-only connection). */
  checks: ParamSource[];
  /** Parts of the statement's text chosen by arguments (orders), each from a fixed set of texts. */
  choices: TextChoice[];
  /** The statement for each combination of chosen texts met so far. */
  variants: Map<string, string>;
  shape: (row: Record<string, unknown>, values: readonly unknown[]) => Record<string, unknown>;
}

/** What a plan needs from the database: one statement, rows back as objects. */
export type RunStatement = (sql: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/** A parameter's value from the coerced variables; UNSUPPORTED sends the request down the general path. */
type ParamSource = (variables: Record<string, unknown>) => unknown;

/** Where `marker` stands in the statement, the text `render` picks (UNSUPPORTED as above). */
interface TextChoice {
  marker: string;
  render: (variables: Record<string, unknown>) => string | typeof UNSUPPORTED;
}
export const UNSUPPORTED = Symbol('unsupported by compiled reads');

/** Post-processes what the statement returned for a field (connections are assembled here). */
type Shape = (raw: unknown, values: readonly unknown[]) => unknown;

interface Compiled {
  sql: string;
  /** Null when the statement's JSON is already the answer. */
  shape: Shape | null;
}

interface Build {
  schema: GraphQLSchema;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  params: ParamSource[];
  checks: ParamSource[];
  choices: TextChoice[];
  aliases: number;
}

/** PostgreSQL functions take at most 100 arguments: json_build_object one key and one value per field. */
const MAX_FUNCTION_ARGUMENTS = 100;
const MAX_JSON_OBJECT_KEYS = MAX_FUNCTION_ARGUMENTS / 2;

const plans = new WeakMap<OperationDefinitionNode, ReadPlan | null>();

/** The plan for an operation, compiled once per parsed operation (Yoga caches documents by text). */
export function readPlanFor(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): ReadPlan | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  let plan = plans.get(operation);
  if (plan === undefined) {
    plan = compileReadPlan(schema, document, operationName);
    plans.set(operation, plan);
  }
  return plan;
}

/** Runs a plan; null when the variables or arguments are outside what it handles. */
export async function runReadPlan(
  plan: ReadPlan,
  schema: GraphQLSchema,
  run: RunStatement,
  orgId: string,
  variables: Record<string, unknown> | null | undefined,
): Promise<ExecutionResult | null> {
  const coerced = getVariableValues(schema, plan.operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return null;
  if (plan.checks.some((check) => check(coerced.coerced) === UNSUPPORTED)) return null;
  const values: unknown[] = [orgId];
  for (const source of plan.params) {
    const value = source(coerced.coerced);
    if (value === UNSUPPORTED) return null;
    values.push(value);
  }
  const sql = statementOf(plan, coerced.coerced);
  if (sql === UNSUPPORTED) return null;
  const row = sql ? (await run(sql, values))[0] : {};
  return { data: plan.shape(row, values) };
}

/**
 * The statement with the texts the arguments choose. Each variant is kept (a handful per plan:
 * the orders), so a request reuses the same string, and its hash, rather than building one.
 */
function statementOf(plan: ReadPlan, variables: Record<string, unknown>): string | null | typeof UNSUPPORTED {
  if (!plan.sql || plan.choices.length === 0) return plan.sql;
  const texts: string[] = [];
  for (const choice of plan.choices) {
    const text = choice.render(variables);
    if (text === UNSUPPORTED) return UNSUPPORTED;
    texts.push(text);
  }
  const key = texts.join('\n');
  let sql = plan.variants.get(key);
  if (sql === undefined) {
    sql = plan.choices.reduce((statement, choice, index) => statement.replaceAll(choice.marker, texts[index]), plan.sql);
    plan.variants.set(key, sql);
  }
  return sql;
}

export function compileReadPlan(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): ReadPlan | null {
  const operation = getOperationAST(document, operationName);
  const queryType = schema.getQueryType();
  if (!operation || operation.operation !== 'query' || !queryType) return null;
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const build: Build = { schema, fragments, params: [], checks: [], choices: [], aliases: 0 };
  const fields = flatFields(operation.selectionSet, queryType, fragments);
  if (!fields) return null;

  const columns: string[] = [];
  const roots: { key: string; column: string | null; shape: Shape | null }[] = [];
  for (const node of fields) {
    const key = node.alias?.value ?? node.name.value;
    if (node.name.value === '__typename') {
      roots.push({ key, column: null, shape: () => queryType.name });
      continue;
    }
    const field = queryType.getFields()[node.name.value];
    const compiled = field ? compileRootField(build, field, node) : null;
    if (!compiled) return null;
    const column = `r${columns.length}`;
    columns.push(`${compiled.sql} AS ${column}`);
    roots.push({ key, column, shape: compiled.shape });
  }
  return {
    operation,
    // $1 is bound to every statement: one whose fields read no table (e.g. only a connection's
    // __typename) must still name it, or PostgreSQL refuses the extra parameter.
    sql: columns.length ? `SELECT ${columns.join(', ')} WHERE $1::uuid IS NOT NULL` : null,
    params: build.params,
    checks: build.checks,
    choices: build.choices,
    variants: new Map(),
    shape: (row, values) => {
      const data: Record<string, unknown> = {};
      for (const root of roots) {
        const raw = root.column === null ? null : row[root.column];
        data[root.key] = root.shape ? root.shape(raw, values) : raw;
      }
      return data;
    },
  };
}

/** The root fields compiled reads answer, with the argument rules of their resolvers. */
function compileRootField(build: Build, field: GraphQLField<unknown, unknown>, node: FieldNode): Compiled | null {
  const type = getNamedType(field.type);
  if (!isObjectType(type) || !node.selectionSet) return null;
  switch (field.name) {
    case 'incident': {
      const id = param(build, (variables) => {
        const args = argumentsOf(field, node, variables);
        if (!args || args.asOf != null) return UNSUPPORTED;
        return decodeId(String(args.id), 'Incident');
      });
      return compileOneIncident(build, type, node, (alias) => `${alias}."id" = ${id}::uuid`);
    }
    case 'incidentByNumber': {
      const number = param(build, (variables) => argumentsOf(field, node, variables)?.number ?? UNSUPPORTED);
      return compileOneIncident(build, type, node, (alias) => `${alias}."number" = ${number}::int`);
    }
    case 'incidents':
      return compileConnection(build, field, node, '', {
        kind: 'connection',
        type: 'Incident',
        join: (_parent, child) => `${child}."orgId" = $1::uuid`,
        orderBy: incidentOrder,
      }, (args) => args.filter == null);
    default:
      return null;
  }
}

function incidentOrder(child: string, args: Record<string, unknown>): string | null {
  return incidentSortKeys(args.orderBy as IncidentOrderShape | null).map(({ column, direction }) => `${child}."${column}" ${direction.toUpperCase()}`).join(', ');
}

/** One incident of the caller's organization, or null. */
function compileOneIncident(build: Build, type: GraphQLObjectType, node: FieldNode, where: (alias: string) => string): Compiled | null {
  const alias = nextAlias(build);
  const incident = compileObject(build, 'Incident', type, node, alias);
  return incident && { sql: `(SELECT ${incident.sql} FROM "Incident" ${alias} WHERE ${where(alias)} AND ${alias}."orgId" = $1::uuid)`, shape: nullable(incident.shape) };
}

/** An object selection as one json_build_object over the row `alias` of its table. */
function compileObject(build: Build, specName: string, type: GraphQLObjectType, node: FieldNode, alias: string): Compiled | null {
  const spec = TABLES[specName];
  const fields = spec && node.selectionSet ? flatFields(node.selectionSet, type, build.fragments) : null;
  if (!fields || fields.length > MAX_JSON_OBJECT_KEYS) return null;
  const pairs: string[] = [];
  const shapes: [string, Shape][] = [];
  for (const child of fields) {
    const key = child.alias?.value ?? child.name.value;
    const name = child.name.value;
    let compiled: Compiled | null = null;
    if (name === '__typename') {
      compiled = { sql: `'${type.name}'::text`, shape: null };
    } else if (spec.columns[name] && !child.arguments?.length) {
      compiled = { sql: spec.columns[name](alias), shape: null };
    } else if (spec.relations?.[name]) {
      const field = type.getFields()[name];
      compiled = field ? compileRelation(build, field, child, alias, spec.relations[name]) : null;
    }
    if (!compiled) return null;
    pairs.push(`'${key}', ${compiled.sql}`);
    if (compiled.shape) shapes.push([key, compiled.shape]);
  }
  return {
    sql: `json_build_object(${pairs.join(', ')})`,
    shape: shapes.length
      ? (raw, values) => {
          const object = raw as Record<string, unknown>;
          for (const [key, shape] of shapes) object[key] = shape(object[key], values);
          return object;
        }
      : null,
  };
}

function compileRelation(build: Build, field: GraphQLField<unknown, unknown>, node: FieldNode, parent: string, relation: Relation): Compiled | null {
  const type = getNamedType(field.type);
  if (!isObjectType(type)) return null;
  if (relation.kind === 'connection') return compileConnection(build, field, node, parent, relation, () => true);
  if (node.arguments?.length) return null;
  if (relation.kind === 'embedded') return compileObject(build, relation.type, type, node, parent);
  const table = TABLES[relation.type]?.table;
  const alias = nextAlias(build);
  const child = table ? compileObject(build, relation.type, type, node, alias) : null;
  if (!child) return null;
  if (relation.kind === 'one') {
    return { sql: `(SELECT ${child.sql} FROM "${table}" ${alias} WHERE ${relation.join(parent, alias)})`, shape: nullable(child.shape) };
  }
  const itemShape = child.shape;
  return {
    sql: `(SELECT coalesce(json_agg(${child.sql} ORDER BY ${relation.orderBy(alias)}), '[]'::json) FROM "${table}" ${alias} WHERE ${relation.join(parent, alias)})`,
    shape: itemShape && ((raw, values) => (raw as unknown[]).map((item) => itemShape(item, values))),
  };
}

/**
 * A Relay connection paged forward from its start: `first` (1..100, default 25) rows plus one to
 * tell whether a next page exists, as plugin-prisma does; a cursor or `last` goes the general way.
 * Each row comes back as [id, node for `nodes`, node for `edges.node`]; cursors are made here.
 */
function compileConnection(
  build: Build,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  parent: string,
  relation: Extract<Relation, { kind: 'connection' }>,
  acceptsArguments: (args: Record<string, unknown>) => boolean,
): Compiled | null {
  const connectionType = getNamedType(field.type);
  const table = TABLES[relation.type]?.table;
  if (!isObjectType(connectionType) || !table) return null;

  /** The rows to fetch, first + 1; the same rules hold when no row is fetched (e.g. only totalCount). */
  const limitOf: ParamSource = (variables) => {
    const args = argumentsOf(field, node, variables);
    if (!args || args.after != null || args.before != null || args.last != null || !acceptsArguments(args)) return UNSUPPORTED;
    const first = args.first ?? PAGE_SIZE_DEFAULT;
    if (typeof first !== 'number' || first < PAGE_SIZE_MIN || first > PAGE_SIZE_MAX) return UNSUPPORTED;
    return first + 1;
  };
  const rowAlias = nextAlias(build);
  const rowParts = [`${rowAlias}."id"`];
  /** A node selection compiled into each row; reads it back from the row. */
  const nodeOf = (selection: FieldNode, nodeType: GraphQLObjectType): ((row: unknown[], values: readonly unknown[]) => unknown) | null => {
    const compiled = compileObject(build, relation.type, nodeType, selection, rowAlias);
    if (!compiled) return null;
    rowParts.push(compiled.sql);
    const index = rowParts.length - 1;
    const shape = compiled.shape;
    return shape ? (row, values) => shape(row[index], values) : (row) => row[index];
  };

  let wantsRows = false;
  let wantsCount = false;
  const connection = compileAssembled<Page>(build, connectionType, node, (child, type) => {
    switch (child.name.value) {
      case 'totalCount':
        wantsCount = true;
        return (page) => page.count;
      case 'nodes': {
        const nodeType = fieldTypeOf(type, child);
        const item = nodeType && nodeOf(child, nodeType);
        wantsRows = true;
        return item && ((page) => page.rows.map((row) => item(row, page.values)));
      }
      case 'edges': {
        const edge = compileAssembled<Row>(build, fieldTypeOf(type, child), child, (edgeChild, edgeType) => {
          if (edgeChild.name.value === 'cursor') return ({ row }) => cursorOf(row[0]);
          const nodeType = edgeChild.name.value === 'node' ? fieldTypeOf(edgeType, edgeChild) : null;
          const item = nodeType && nodeOf(edgeChild, nodeType);
          return item && (({ row, values }) => item(row, values));
        });
        wantsRows = true;
        return edge && ((page) => page.rows.map((row) => edge({ row, values: page.values })));
      }
      case 'pageInfo':
        wantsRows = true;
        return compileAssembled<Page>(build, fieldTypeOf(type, child), child, (infoChild) => PAGE_INFO[infoChild.name.value] ?? null);
      default:
        return null;
    }
  });
  // json_build_array takes at most 100 arguments: the id and one per node selection.
  if (!connection || rowParts.length > MAX_FUNCTION_ARGUMENTS) return null;

  const where = (alias: string) => relation.join(parent, alias);
  const orderOf = (alias: string) => choose(build, (variables) => {
    const args = argumentsOf(field, node, variables);
    return (args && relation.orderBy(alias, args)) ?? UNSUPPORTED;
  });
  const inner = nextAlias(build);
  const sqlParts: string[] = [];
  let limitIndex = 0;
  if (wantsRows) {
    const limit = param(build, limitOf);
    limitIndex = build.params.length; // its position in the run-time values ($1 is the organization)
    sqlParts.push(
      `'rows', (SELECT coalesce(json_agg(json_build_array(${rowParts.join(', ')}) ORDER BY ${orderOf(rowAlias)}), '[]'::json) ` +
        `FROM (SELECT * FROM "${table}" ${inner} WHERE ${where(inner)} ORDER BY ${orderOf(inner)} LIMIT ${limit}::int) ${rowAlias})`,
    );
  } else {
    build.checks.push(limitOf);
  }
  if (wantsCount) sqlParts.push(`'count', (SELECT count(*) FROM "${table}" ${inner} WHERE ${where(inner)})`);
  return {
    sql: `json_build_object(${sqlParts.join(', ')})`,
    shape: (raw, values) => {
      const fetched = raw as { rows?: unknown[][]; count?: number };
      const rows = fetched.rows ?? [];
      const first = wantsRows ? (values[limitIndex] as number) - 1 : rows.length;
      const hasNextPage = rows.length > first;
      return connection({ rows: hasNextPage ? rows.slice(0, first) : rows, hasNextPage, count: fetched.count ?? 0, values });
    },
  };
}

/** A page of a connection as fetched: its rows ([id, ...nodes]), whether more follow, the total. */
interface Page {
  rows: unknown[][];
  hasNextPage: boolean;
  count: number;
  values: readonly unknown[];
}

interface Row {
  row: unknown[];
  values: readonly unknown[];
}

const cursorOf = (id: unknown) => formatPrismaCursor({ id }, 'id');

/** pageInfo of a first page: nothing before it; a next page when the extra row came back. */
const PAGE_INFO: Record<string, (page: Page) => unknown> = {
  hasNextPage: (page) => page.hasNextPage,
  hasPreviousPage: () => false,
  startCursor: (page) => (page.rows.length ? cursorOf(page.rows[0][0]) : null),
  endCursor: (page) => (page.rows.length ? cursorOf(page.rows[page.rows.length - 1][0]) : null),
};

/**
 * An object put together here rather than in SQL (connection, edge, pageInfo): `valueOf` compiles
 * each selected field into a function of the input; `__typename` is known.
 */
function compileAssembled<Input>(
  build: Build,
  type: GraphQLObjectType | null,
  node: FieldNode,
  valueOf: (child: FieldNode, type: GraphQLObjectType) => ((input: Input) => unknown) | null,
): ((input: Input) => Record<string, unknown>) | null {
  const fields = type && node.selectionSet ? flatFields(node.selectionSet, type, build.fragments) : null;
  if (!type || !fields) return null;
  const parts: [string, (input: Input) => unknown][] = [];
  for (const child of fields) {
    const value = child.name.value === '__typename' ? () => type.name : valueOf(child, type);
    if (!value) return null;
    parts.push([child.alias?.value ?? child.name.value, value]);
  }
  return (input) => {
    const object: Record<string, unknown> = {};
    for (const [key, value] of parts) object[key] = value(input);
    return object;
  };
}

/** The object type a selected field returns, if it is one. */
function fieldTypeOf(parentType: GraphQLObjectType, node: FieldNode): GraphQLObjectType | null {
  const type = getNamedType(parentType.getFields()[node.name.value]?.type);
  return isObjectType(type) ? type : null;
}

function param(build: Build, source: ParamSource): string {
  build.params.push(source);
  return `$${build.params.length + 1}`;
}

/** A marker for text chosen at run time; markers are SQL comments, so no statement text can contain one by accident. */
function choose(build: Build, render: TextChoice['render']): string {
  const marker = `/*choice ${build.choices.length}*/`;
  build.choices.push({ marker, render });
  return marker;
}

function nextAlias(build: Build): string {
  build.aliases += 1;
  return `t${build.aliases}`;
}

function nullable(shape: Shape | null): Shape | null {
  return shape && ((raw, values) => (raw === null ? null : shape(raw, values)));
}

/** A field's arguments as its resolver would see them; null when they do not coerce (the general path reports it). */
function argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> | null {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return null;
  }
}
