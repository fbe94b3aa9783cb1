import type { PathSegment } from '@pothos/plugin-prisma';

type NestedSelection = (selection?: any, path?: PathSegment[]) => unknown;

/** What nestedSelection answers for a path the query does not select. */
function isUnselected(query: unknown): boolean {
  const select = (query as { select?: object } | null)?.select;
  return typeof select === 'object' && select !== null && Object.keys(select).length === 0;
}

/**
 * prismaConnectionHelpers plans only what a query selects under `edges { node }`; our connections
 * also offer `nodes`. This plans `nodes` when the query selects it, else `edges { node }`, else
 * (only totalCount or pageInfo asked for) just the id, as Prisma refuses an empty selection.
 */
export function nodesOrEdges(nestedSelection: NestedSelection): NestedSelection {
  return (selection, path) => {
    const viaNodes = nestedSelection(selection, ['nodes']);
    if (!isUnselected(viaNodes)) return viaNodes;
    const viaEdges = nestedSelection(selection, path);
    return isUnselected(viaEdges) ? { select: { id: true } } : viaEdges;
  };
}
