import { formatPrismaCursor, parsePrismaCursor } from '@pothos/plugin-prisma';
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
import { isUuid } from '../../domain/ids.js';
import { decodeId } from '../common.js';
import type { SortKey } from '../incident-order.js';
import { conditionSql, type Bind } from './filter-sql.js';
import { flatFields } from './selection.js';
import { INCIDENTS, TABLES, exposedColumn, type Relation } from './tables.js';

/**
 * Compiled reads: a query whose every field is a plain read of the incident tables (incident,
 * incidents with owner, timeline, affected components, ...) is answered by ONE SQL statement that
 * builds the response JSON in PostgreSQL, instead of graphql-js resolving each field through
 * Pothos and Prisma. Same schema, same answers (test/integration/compiled-reads.test.ts compares
 * both paths byte for byte); anything this compiler does not know (another field, a directive, a
 * field asking for more than the read scope, an argument out of range or that the resolver would
 * refuse, a caller without the read scope) goes the general way, field by field, where every rule
 * and error lives. Root fields it does not know are answered by the general path next to the
 * statement (see `rest`).
 */
export interface ReadPlan {
  operation: OperationDefinitionNode;
  /** The root fields the statement answers, by response key, in response order. */
  keys: string[];
  /** The operation's other root fields as a document of their own, for the general path; null when there are none. */
  rest: DocumentNode | null;
  /** Every response key of the operation, in response order. */
  order: string[];
  /** The statement; $1 is the caller's organization, the others come from `params` and `choices`. */
  sql: string;
  params: ParamSource[];
  /** Argument rules whose values the statement does not need (e.g. `first` of a count-only connection). */
  checks: ParamSource[];
  /** Parts of the statement's text chosen by arguments (orders), each from a fixed set of texts. */
  choices: TextChoice[];
  /** The statement for each combination of chosen texts met so far. */
  variants: Map<string, string>;
  shape: (row: Record<string, unknown>, run: Run) => Record<string, unknown>;
}

/** One run of a plan: the statement's parameter values ($1 first) and the coerced variables. */
interface Run {
  values: readonly unknown[];
  variables: Record<string, unknown>;
}

/** What a plan needs from the database: one statement, rows back as objects. */
export type RunStatement = (sql: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/** A parameter's value from the coerced variables; UNSUPPORTED sends the request down the general path. */
type ParamSource = (variables: Record<string, unknown>) => unknown;

/**
 * Where `marker` stands in the statement, the text `render` picks (UNSUPPORTED as above); values
 * it binds become parameters after the plan's own.
 */
interface TextChoice {
  marker: string;
  render: (variables: Record<string, unknown>, bind: Bind) => string | typeof UNSUPPORTED;
}
export const UNSUPPORTED = Symbol('unsupported by compiled reads');

/** Post-processes what the statement returned for a field (connections are assembled here). */
type Shape = (raw: unknown, run: Run) => unknown;

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

/** Statements kept per plan: one per order and filter shape met, up to this many. */
const MAX_VARIANTS = 64;

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

/** A plan ready to run for one request: its statement and how its row becomes the answer. */
export interface PreparedRead {
  run: (statement: RunStatement) => Promise<Record<string, unknown>>;
}

/** Prepares a plan for a request; null when the variables or arguments are outside what it handles. */
export function prepareReadPlan(
  plan: ReadPlan,
  schema: GraphQLSchema,
  orgId: string,
  variables: Record<string, unknown> | null | undefined,
): PreparedRead | null {
  const coerced = getVariableValues(schema, plan.operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return null;
  if (plan.checks.some((check) => check(coerced.coerced) === UNSUPPORTED)) return null;
  const values: unknown[] = [orgId];
  for (const source of plan.params) {
    const value = source(coerced.coerced);
    if (value === UNSUPPORTED) return null;
    values.push(value);
  }
  const sql = statementOf(plan, coerced.coerced, values);
  if (sql === UNSUPPORTED) return null;
  return {
    run: async (statement) => plan.shape((await statement(sql, values))[0], { values, variables: coerced.coerced }),
  };
}

/**
 * The statement with the texts the arguments choose, their values appended to `values`. Each
 * variant is kept (one per order and filter shape), so a request reuses the same string, and its
 * hash, rather than building one.
 */
function statementOf(plan: ReadPlan, variables: Record<string, unknown>, values: unknown[]): string | typeof UNSUPPORTED {
  if (plan.choices.length === 0) return plan.sql;
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
  const texts: string[] = [];
  for (const choice of plan.choices) {
    const text = choice.render(variables, bind);
    if (text === UNSUPPORTED) return UNSUPPORTED;
    texts.push(text);
  }
  const key = texts.join('\n');
  let sql = plan.variants.get(key);
  if (sql === undefined) {
    sql = plan.choices.reduce((statement, choice, index) => statement.replaceAll(choice.marker, texts[index]), plan.sql);
    if (plan.variants.size < MAX_VARIANTS) plan.variants.set(key, sql);
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
  const rest: FieldNode[] = [];
  for (const node of fields) {
    const key = node.alias?.value ?? node.name.value;
    if (node.name.value === '__typename') {
      roots.push({ key, column: null, shape: () => queryType.name });
      continue;
    }
    const field = queryType.getFields()[node.name.value];
    const compiled = field ? compileRootField(build, field, node) : null;
    if (!compiled) {
      rest.push(node);
      continue;
    }
    const column = `r${columns.length}`;
    columns.push(`${compiled.sql} AS ${column}`);
    roots.push({ key, column, shape: compiled.shape });
  }
  // Only worth it when the statement answers something; otherwise the general path answers all.
  if (columns.length === 0) return null;
  return {
    operation,
    keys: roots.map((root) => root.key),
    rest: rest.length ? documentOf(document, operation, rest) : null,
    order: fields.map((node) => node.alias?.value ?? node.name.value),
    sql: `SELECT ${columns.join(', ')} WHERE $1::uuid IS NOT NULL`,
    params: build.params,
    checks: build.checks,
    choices: build.choices,
    variants: new Map(),
    shape: (row, run) => {
      const data: Record<string, unknown> = {};
      for (const root of roots) {
        const raw = root.column === null ? null : row[root.column];
        data[root.key] = root.shape ? root.shape(raw, run) : raw;
      }
      return data;
    },
  };
}

/** The operation with only the given root fields (its fragments kept), for the general path. */
function documentOf(document: DocumentNode, operation: OperationDefinitionNode, fields: FieldNode[]): DocumentNode {
  return {
    ...document,
    definitions: document.definitions.map((definition) =>
      definition === operation ? { ...operation, selectionSet: { ...operation.selectionSet, selections: fields } } : definition,
    ),
  };
}

/** The root fields compiled reads answer, with the argument rules of their resolvers. */
function compileRootField(build: Build, field: GraphQLField<unknown, unknown>, node: FieldNode): Compiled | null {
  const type = getNamedType(field.type);
  if (!isObjectType(type) || !node.selectionSet || !readScopeSuffices(field)) return null;
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
      return compileConnection(build, field, node, '', INCIDENTS);
    default:
      return null;
  }
}

/**
 * Compiled reads run for callers with the read scope only: a type or field that asks for any
 * other scope, or decides in code, is left to the general path, which applies it.
 */
function readScopeSuffices(definition: { extensions?: { pothosOptions?: unknown } | null }): boolean {
  const scopes = (definition.extensions?.pothosOptions as { authScopes?: unknown } | undefined)?.authScopes;
  if (scopes === undefined) return true;
  if (typeof scopes !== 'object' || scopes === null) return false;
  const entries = Object.entries(scopes);
  return entries.length > 0 && entries.every(([scope, value]) => scope === 'read' && value === true);
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
  const fields = spec && node.selectionSet && readScopeSuffices(type) ? flatFields(node.selectionSet, type, build.fragments) : null;
  if (!fields || fields.length > MAX_JSON_OBJECT_KEYS) return null;
  const pairs: string[] = [];
  const shapes: [string, Shape][] = [];
  for (const child of fields) {
    const key = child.alias?.value ?? child.name.value;
    const name = child.name.value;
    let compiled: Compiled | null = null;
    const field = type.getFields()[name];
    const column = field && !child.arguments?.length ? (spec.columns[name] ?? exposedColumn(field)) : null;
    if (name === '__typename') {
      compiled = { sql: `'${type.name}'::text`, shape: null };
    } else if (!field || !readScopeSuffices(field)) {
      compiled = null;
    } else if (column) {
      compiled = { sql: column(alias), shape: null };
    } else if (spec.relations?.[name]) {
      compiled = compileRelation(build, field, child, alias, spec.relations[name]);
    }
    if (!compiled) return null;
    pairs.push(`'${key}', ${compiled.sql}`);
    if (compiled.shape) shapes.push([key, compiled.shape]);
  }
  return {
    sql: `json_build_object(${pairs.join(', ')})`,
    shape: shapes.length
      ? (raw, run) => {
          const object = raw as Record<string, unknown>;
          for (const [key, shape] of shapes) object[key] = shape(object[key], run);
          return object;
        }
      : null,
  };
}

function compileRelation(build: Build, field: GraphQLField<unknown, unknown>, node: FieldNode, parent: string, relation: Relation): Compiled | null {
  const type = getNamedType(field.type);
  if (!isObjectType(type)) return null;
  if (relation.kind === 'connection') return compileConnection(build, field, node, parent, relation);
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
    shape: itemShape && ((raw, run) => (raw as unknown[]).map((item) => itemShape(item, run))),
  };
}

/**
 * A Relay connection paged as plugin-prisma pages it: `first` or `last` (1..100, default 25) rows
 * plus one to tell whether another page exists; `last` and `before` read backwards. A cursor page
 * starts at the cursor row, in the connection's order, and skips one row (the cursor's, when it is
 * in the page), as Prisma's cursors do; an unknown cursor row gives an empty page. Each row comes
 * back as [id, node for `nodes`, node for `edges.node`]; cursors are made here.
 */
function compileConnection(
  build: Build,
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  parent: string,
  relation: Extract<Relation, { kind: 'connection' }>,
): Compiled | null {
  const connectionType = getNamedType(field.type);
  const table = TABLES[relation.type]?.table;
  if (!isObjectType(connectionType) || !table) return null;

  /** The page the arguments ask for; the same rules hold when no row is fetched (e.g. only totalCount). */
  const pageOf = (variables: Record<string, unknown>): PageArgs | typeof UNSUPPORTED => {
    const args = argumentsOf(field, node, variables);
    return args ? pageArgsOf(args, relation.cursors === true) : UNSUPPORTED;
  };
  const rowAlias = nextAlias(build);
  const rowParts = [`${rowAlias}."id"`];
  /** A node selection compiled into each row; reads it back from the row. */
  const nodeOf = (selection: FieldNode, nodeType: GraphQLObjectType): ((row: unknown[], run: Run) => unknown) | null => {
    const compiled = compileObject(build, relation.type, nodeType, selection, rowAlias);
    if (!compiled) return null;
    rowParts.push(compiled.sql);
    const index = rowParts.length - 1;
    const shape = compiled.shape;
    return shape ? (row, run) => shape(row[index], run) : (row) => row[index];
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
        return item && ((page) => page.rows.map((row) => item(row, page.run)));
      }
      case 'edges': {
        const edge = compileAssembled<Row>(build, fieldTypeOf(type, child), child, (edgeChild, edgeType) => {
          if (edgeChild.name.value === 'cursor') return ({ row }) => cursorOf(row[0]);
          const nodeType = edgeChild.name.value === 'node' ? fieldTypeOf(edgeType, edgeChild) : null;
          const item = nodeType && nodeOf(edgeChild, nodeType);
          return item && (({ row, run }) => item(row, run));
        });
        wantsRows = true;
        return edge && ((page) => page.rows.map((row) => edge({ row, run: page.run })));
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

  const argumentsFor = (variables: Record<string, unknown>) => argumentsOf(field, node, variables) ?? {};
  const orderSql = (alias: string, keys: SortKey[], backward: boolean) =>
    keys.map(({ column, direction }) => `${alias}."${column}" ${(direction === 'asc') !== backward ? 'ASC' : 'DESC'}`).join(', ');
  /** The connection's rows: joined to the parent, and filtered when the connection has a filter. */
  const whereSql = (alias: string, variables: Record<string, unknown>, bind: Bind) => {
    const join = relation.join(parent, alias);
    return relation.where ? `${join} AND ${conditionSql(relation.where(argumentsFor(variables)), alias, bind)}` : join;
  };
  const inner = nextAlias(build);
  const sqlParts: string[] = [];
  if (wantsRows) {
    const cursorAlias = `${inner}k`;
    const limit = param(build, (variables) => {
      const page = pageOf(variables);
      return page === UNSUPPORTED ? UNSUPPORTED : page.size + 1;
    });
    const forwardOrder = choose(build, (variables) => orderSql(rowAlias, relation.order(argumentsFor(variables)), false));
    // From the table on to LIMIT: the cursor row, the rows' condition, the reading order and the skip.
    const page = choose(build, (variables, bind) => {
      const args = pageOf(variables);
      if (args === UNSUPPORTED) return UNSUPPORTED;
      const keys = relation.order(argumentsFor(variables));
      const where = whereSql(inner, variables, bind);
      const order = orderSql(inner, keys, args.backward);
      if (args.cursor === null) return `WHERE ${where} ORDER BY ${order}`;
      const cursorRow = `(SELECT * FROM "${table}" WHERE "id" = ${bind(args.cursor, 'uuid')}) ${cursorAlias}`;
      return `, ${cursorRow} WHERE ${where} AND ${keysetSql(inner, cursorAlias, keys, args.backward)} ORDER BY ${order} OFFSET 1`;
    });
    sqlParts.push(
      `'rows', (SELECT coalesce(json_agg(json_build_array(${rowParts.join(', ')}) ORDER BY ${forwardOrder}), '[]'::json) ` +
        `FROM (SELECT ${inner}.* FROM "${table}" ${inner} ${page} LIMIT ${limit}::int) ${rowAlias})`,
    );
  } else {
    build.checks.push(pageOf);
  }
  if (wantsCount) {
    const where = choose(build, (variables, bind) => whereSql(inner, variables, bind));
    sqlParts.push(`'count', (SELECT count(*) FROM "${table}" ${inner} WHERE ${where})`);
  }
  return {
    sql: `json_build_object(${sqlParts.join(', ')})`,
    shape: (raw, run) => {
      const fetched = raw as { rows?: unknown[][]; count?: number };
      const args = pageOf(run.variables) as PageArgs;
      const rows = fetched.rows ?? [];
      // As plugin-prisma's wrapConnectionResult: the extra row is the last one read.
      const full = wantsRows && rows.length === args.size + 1;
      return connection({
        rows: full ? (args.backward ? rows.slice(1) : rows.slice(0, -1)) : rows,
        hasNextPage: args.before ? true : args.backward ? false : full,
        hasPreviousPage: args.after ? true : args.backward ? full : false,
        count: fetched.count ?? 0,
        run,
      });
    },
  };
}

/** The page a connection's arguments ask for; `cursor` is the row id of `after` or `before`. */
interface PageArgs {
  size: number;
  backward: boolean;
  after: boolean;
  before: boolean;
  cursor: string | null;
}

/**
 * The page as plugin-prisma reads it from the arguments; UNSUPPORTED where its resolver would
 * refuse them (sizes out of range, cursors that are not ids, contradicting arguments) or where
 * this connection takes no cursors here.
 */
function pageArgsOf(args: Record<string, unknown>, cursors: boolean): PageArgs | typeof UNSUPPORTED {
  const { first, last, after, before } = args;
  if ((first != null && last != null) || (after != null && before != null) || (before != null && first != null) || (after != null && last != null)) {
    return UNSUPPORTED;
  }
  for (const size of [first, last]) {
    if (size != null && (typeof size !== 'number' || size < PAGE_SIZE_MIN || size > PAGE_SIZE_MAX)) return UNSUPPORTED;
  }
  const cursorText = after ?? before;
  let cursor: string | null = null;
  if (cursorText != null) {
    if (!cursors) return UNSUPPORTED;
    try {
      cursor = String(parsePrismaCursor(String(cursorText)));
    } catch {
      return UNSUPPORTED;
    }
    if (!isUuid(cursor)) return UNSUPPORTED;
  }
  return {
    size: (first ?? last ?? PAGE_SIZE_DEFAULT) as number,
    backward: before != null || last != null,
    after: after != null,
    before: before != null,
    cursor,
  };
}

/**
 * Rows at or after the cursor row in the order (at or before it reading backwards): the same
 * condition the general path's keyset cursors (db/keyset-cursor.ts) and Prisma's own cursors use.
 */
function keysetSql(alias: string, cursorAlias: string, keys: SortKey[], backward: boolean): string {
  const terms = keys.map(({ column, direction }, index) => {
    const ascending = (direction === 'asc') !== backward;
    const last = index === keys.length - 1;
    const operator = ascending ? (last ? '>=' : '>') : last ? '<=' : '<';
    const equal = keys.slice(0, index).map((key) => `${alias}."${key.column}" = ${cursorAlias}."${key.column}"`);
    return [...equal, `${alias}."${column}" ${operator} ${cursorAlias}."${column}"`].join(' AND ');
  });
  return `((${terms.join(') OR (')}))`;
}

/** A page of a connection as fetched: its rows ([id, ...nodes]), whether pages follow or precede, the total. */
interface Page {
  rows: unknown[][];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  count: number;
  run: Run;
}

interface Row {
  row: unknown[];
  run: Run;
}

const cursorOf = (id: unknown) => formatPrismaCursor({ id }, 'id');

const PAGE_INFO: Record<string, (page: Page) => unknown> = {
  hasNextPage: (page) => page.hasNextPage,
  hasPreviousPage: (page) => page.hasPreviousPage,
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
  const fields = type && node.selectionSet && readScopeSuffices(type) ? flatFields(node.selectionSet, type, build.fragments) : null;
  if (!type || !fields) return null;
  const parts: [string, (input: Input) => unknown][] = [];
  for (const child of fields) {
    const field = type.getFields()[child.name.value];
    const value = child.name.value === '__typename' ? () => type.name : field && readScopeSuffices(field) ? valueOf(child, type) : null;
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
  return shape && ((raw, run) => (raw === null ? null : shape(raw, run)));
}

/** A field's arguments as its resolver would see them; null when they do not coerce (the general path reports it). */
function argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> | null {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return null;
  }
}
