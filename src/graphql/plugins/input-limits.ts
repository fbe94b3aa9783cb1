import {
  BREAK,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLArgument,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { FILTER_CONDITIONS_MAX, FILTER_LIST_MAX, FILTER_NESTING_MAX } from '../../domain/validation.js';
import { rejectedInput } from '../errors.js';

/** Extensions of a list argument that bound it (the builder sets them, e.g. on nodes(ids:)). */
export interface ListArgumentExtensions {
  /** The most items the list may hold; more is BAD_USER_INPUT before anything runs. */
  maxItems?: number;
  /** The field answers one result per item: cost.ts multiplies its cost by the list's length. */
  costPerItem?: boolean;
}

type Variables = Readonly<Record<string, unknown>> | null | undefined;

/** An argument value still to look at: a literal of the document, or what a variable holds. */
interface Pending {
  value: unknown;
  literal: boolean;
  type: GraphQLInputType;
  /** The input object types entered on the way here, outermost first. */
  trail: readonly string[];
}

/**
 * Why an operation's arguments are refused, or null: a list argument longer than its `maxItems`,
 * or a recursive input (a filter with `and`/`or`, IncidentFilter) nested more than
 * FILTER_NESTING_MAX levels, holding more than FILTER_CONDITIONS_MAX filter objects, or a list
 * inside it (and, or, in, notIn) longer than FILTER_LIST_MAX: the database's work grows faster
 * than the filter, and the cost of a filter does not show in the operation's cost.
 * Runs before execution, so before variables are coerced (graphql-js recurses once per level) and
 * before any resolver or database sees them. Iterative, and it stops at the first level too many.
 */
export function inputProblem(schema: GraphQLSchema, document: DocumentNode, variables: Variables): string | null {
  const defaults = new Map<string, ValueNode>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const variable of definition.variableDefinitions ?? []) {
      if (variable.defaultValue) defaults.set(variable.variable.name.value, variable.defaultValue);
    }
  }
  const resolved = (value: unknown, literal: boolean): { value: unknown; literal: boolean } => {
    if (!literal || (value as ValueNode).kind !== Kind.VARIABLE) return { value, literal };
    const name = (value as { name: { value: string } }).name.value;
    if (variables && variables[name] !== undefined) return { value: variables[name], literal: false };
    return { value: defaults.get(name) ?? null, literal: true };
  };

  let problem: string | null = null;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const argument = typeInfo.getArgument();
        if (!argument) return false;
        problem = argumentProblem(typeInfo.getFieldDef()?.name ?? typeInfo.getDirective()?.name ?? '', argument, resolved(node.value, true), resolved);
        return problem ? BREAK : false;
      },
    }),
  );
  return problem;
}

function argumentProblem(
  fieldName: string,
  argument: GraphQLArgument,
  start: { value: unknown; literal: boolean },
  resolved: (value: unknown, literal: boolean) => { value: unknown; literal: boolean },
): string | null {
  const { maxItems } = argument.extensions as ListArgumentExtensions;
  if (maxItems != null) {
    const count = itemsOf(start.value, start.literal).length;
    if (count > maxItems) return `${fieldName}(${argument.name}:) takes at most ${maxItems} items, got ${count}.`;
  }
  let conditions = 0;
  const pending: Pending[] = [{ ...start, type: argument.type, trail: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const type = getNullableType(next.type);
    if (isListType(type)) {
      const items = itemsOf(next.value, next.literal);
      const filter = next.trail.find((name) => recursiveTypes(argument).has(name));
      if (filter && items.length > FILTER_LIST_MAX) {
        return `A list in ${argument.name} (${filter}) holds ${items.length} items; at most ${FILTER_LIST_MAX} are allowed.`;
      }
      for (const item of items) pending.push({ ...resolved(item, next.literal), type: type.ofType, trail: next.trail });
    } else if (isInputObjectType(type)) {
      const fields = fieldsOf(next.value, next.literal);
      if (!fields) continue;
      const trail = [...next.trail, type.name];
      if (recursiveTypes(argument).has(type.name)) {
        const nesting = trail.filter((name) => name === type.name).length - 1;
        if (nesting > FILTER_NESTING_MAX) {
          return `${argument.name} nests ${type.name} (and/or) more than ${FILTER_NESTING_MAX} levels deep, the most allowed.`;
        }
        conditions += 1;
        if (conditions > FILTER_CONDITIONS_MAX) {
          return `${argument.name} holds more than ${FILTER_CONDITIONS_MAX} ${type.name} objects (and/or entries included), the most allowed.`;
        }
      }
      const definitions = type.getFields();
      for (const [name, value] of fields) {
        const field = definitions[name];
        if (field) pending.push({ ...resolved(value, next.literal), type: field.type, trail });
      }
    }
  }
  return null;
}

const recursiveByArgument = new WeakMap<GraphQLArgument, ReadonlySet<string>>();

/** The input object types reachable from an argument that contain themselves (filters with and/or). */
function recursiveTypes(argument: GraphQLArgument): ReadonlySet<string> {
  let found = recursiveByArgument.get(argument);
  if (!found) {
    const reachable = (from: GraphQLInputObjectType): Set<GraphQLInputObjectType> => {
      const seen = new Set<GraphQLInputObjectType>();
      const stack = [from];
      for (let type = stack.pop(); type; type = stack.pop()) {
        for (const field of Object.values(type.getFields())) {
          const named = getNamedType(field.type);
          if (isInputObjectType(named) && !seen.has(named)) {
            seen.add(named);
            stack.push(named);
          }
        }
      }
      return seen;
    };
    const root = getNamedType(argument.type);
    const candidates = isInputObjectType(root) ? [root, ...reachable(root)] : [];
    found = new Set(candidates.filter((type) => reachable(type).has(type)).map((type) => type.name));
    recursiveByArgument.set(argument, found);
  }
  return found;
}

/** The items of a list value; a single value given where a list is expected counts as one item (input coercion). */
function itemsOf(value: unknown, literal: boolean): readonly unknown[] {
  if (literal) {
    const node = value as ValueNode | null;
    if (!node || node.kind === Kind.NULL) return [];
    return node.kind === Kind.LIST ? node.values : [node];
  }
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The fields of an input object value, or null when it is not one. */
function fieldsOf(value: unknown, literal: boolean): [string, unknown][] | null {
  if (literal) {
    const node = value as ValueNode | null;
    return node?.kind === Kind.OBJECT ? node.fields.map((field) => [field.name.value, field.value]) : null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : null;
}

/** Refuses, before execution, operations whose arguments inputProblem finds fault with (HTTP, SSE and WebSocket alike). */
export function useInputLimits(): Plugin {
  const check = (args: ExecutionArgs, stop: (result: ExecutionResult) => void) => {
    const problem = inputProblem(args.schema, args.document, args.variableValues);
    if (problem) stop({ errors: [rejectedInput(problem)] });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}
