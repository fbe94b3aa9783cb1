import {
  getArgumentValues,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from '../../domain/validation.js';
import type { ListArgumentExtensions } from './input-limits.js';

/**
 * Operation cost, in the spirit of Shopify's calculated query cost: every object costs 1, scalars
 * are free, a connection costs its page size (`first`/`last`, default 25) times what one item
 * selects, a field that answers one result per item of a list argument (nodes(ids:)) costs the
 * list's length times one result, and each mutation field costs 10 more. Deterministic: it reads
 * only the operation.
 */
export const OBJECT_COST = 1;
export const MUTATION_FIELD_COST = 10;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** Fragments being expanded: a cycle is a validation error, but the walk must not loop on it. */
  expanding: Set<string>;
}

export function requestedCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): number {
  const walk: Walk = {
    schema,
    fragments: new Map(
      document.definitions
        .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    ),
    variables: variables ?? {},
    expanding: new Set(),
  };
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return OBJECT_COST;
  const fieldsCost = selectionCost(walk, operation.selectionSet, rootType);
  const mutationFields = operation.operation === 'mutation' ? operation.selectionSet.selections.length : 0;
  return Math.max(OBJECT_COST, Math.ceil(fieldsCost + mutationFields * MUTATION_FIELD_COST));
}

function selectionCost(walk: Walk, selectionSet: SelectionSetNode, parentType: GraphQLCompositeType): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      total += fieldCost(walk, selection, parentType);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parentType;
      total += selectionCost(walk, selection.selectionSet, type && isCompositeType(type) ? type : parentType);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || walk.expanding.has(name)) continue;
      const type = walk.schema.getType(fragment.typeCondition.name.value);
      walk.expanding.add(name);
      total += selectionCost(walk, fragment.selectionSet, type && isCompositeType(type) ? type : parentType);
      walk.expanding.delete(name);
    }
  }
  return total;
}

function fieldCost(walk: Walk, node: FieldNode, parentType: GraphQLCompositeType): number {
  if (!node.selectionSet || node.name.value.startsWith('__')) return 0;
  const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[node.name.value] : undefined;
  if (!field) return 0;
  const type = getNamedType(field.type);
  const children = isCompositeType(type) ? selectionCost(walk, node.selectionSet, type) : 0;
  const items = itemCountOf(walk, field, node);
  if (items !== null) return items * (OBJECT_COST + children);
  const pageSize = pageSizeOf(walk, field, node);
  return OBJECT_COST + (pageSize ?? 1) * children;
}

function argumentsOf(walk: Walk, field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, walk.variables);
  } catch {
    // Bad arguments fail in execution with their own error; cost them at the defaults.
    return {};
  }
}

/** Page size of a connection field; null for other fields. Sizes above the maximum are refused anyway. */
function pageSizeOf(walk: Walk, field: GraphQLField<unknown, unknown>, node: FieldNode): number | null {
  if (!field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) return null;
  const args = argumentsOf(walk, field, node);
  const size = args.first ?? args.last ?? PAGE_SIZE_DEFAULT;
  return typeof size === 'number' && Number.isFinite(size) ? Math.min(Math.max(size, 0), PAGE_SIZE_MAX) : PAGE_SIZE_DEFAULT;
}

/** How many results a field gives, one per item of its `costPerItem` list argument; null for other fields. */
function itemCountOf(walk: Walk, field: GraphQLField<unknown, unknown>, node: FieldNode): number | null {
  const argument = field.args.find((arg) => (arg.extensions as ListArgumentExtensions).costPerItem);
  if (!argument) return null;
  const items = argumentsOf(walk, field, node)[argument.name];
  return Array.isArray(items) ? items.length : 1;
}

/** What the operation really returned, on the same scale: one per object in `data`, plus the mutation surcharge. */
export function actualCost(data: unknown, operation: OperationDefinitionNode): number {
  const countObjects = (value: unknown): number => {
    if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countObjects(item), 0);
    // A DateTime leaves execution as a Date (serialized later): a scalar, free like the others.
    if (value === null || typeof value !== 'object' || value instanceof Date) return 0;
    return OBJECT_COST + Object.values(value).reduce((sum: number, item) => sum + countObjects(item), 0);
  };
  const rootFields = data && typeof data === 'object' ? Object.values(data) : [];
  const objects = rootFields.reduce((sum: number, item) => sum + countObjects(item), 0);
  const mutationFields = operation.operation === 'mutation' ? rootFields.length : 0;
  return Math.max(OBJECT_COST, objects + mutationFields * MUTATION_FIELD_COST);
}
