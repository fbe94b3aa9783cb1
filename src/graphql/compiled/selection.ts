import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLObjectType, type SelectionSetNode } from 'graphql';

/**
 * The fields a selection set asks of an object type, fragments flattened, in response order.
 * Null when that cannot be decided from the document alone, which sends the operation down the
 * general execution path: a directive (@include/@skip may depend on variables), a fragment on
 * another type, one response key asked twice other than as the same scalar (graphql-js would
 * merge the two selections), or the key `__proto__`.
 */
export function flatFields(
  selectionSet: SelectionSetNode,
  type: GraphQLObjectType,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): FieldNode[] | null {
  const fields: FieldNode[] = [];
  const keys = new Map<string, FieldNode>();
  const appliesTo = (typeCondition: string | undefined) =>
    typeCondition === undefined || typeCondition === type.name || type.getInterfaces().some((face) => face.name === typeCondition);

  const collect = (selections: SelectionSetNode, expanding: ReadonlySet<string>): boolean => {
    for (const selection of selections.selections) {
      if (selection.directives?.length) return false;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        // Assigned into plain objects, this key would set their prototype instead.
        if (key === '__proto__') return false;
        const earlier = keys.get(key);
        if (earlier) {
          // The same scalar asked again (fragments often repeat `id`) adds nothing; anything else would need merging.
          if (!isSameLeaf(earlier, selection)) return false;
          continue;
        }
        keys.set(key, selection);
        fields.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!appliesTo(selection.typeCondition?.name.value) || !collect(selection.selectionSet, expanding)) return false;
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || expanding.has(fragment.name.value) || fragment.directives?.length) return false;
        if (!appliesTo(fragment.typeCondition.name.value)) return false;
        if (!collect(fragment.selectionSet, new Set([...expanding, fragment.name.value]))) return false;
      }
    }
    return true;
  };
  return collect(selectionSet, new Set()) ? fields : null;
}

function isSameLeaf(a: FieldNode, b: FieldNode): boolean {
  return a.name.value === b.name.value && !a.selectionSet && !b.selectionSet && !a.arguments?.length && !b.arguments?.length;
}
