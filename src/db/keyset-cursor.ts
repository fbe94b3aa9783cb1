import { PrismaClient } from '../generated/prisma/client.js';
import { getDatamodel } from '../generated/pothos-types.js';

type Direction = 'asc' | 'desc';
type Args = Record<string, unknown> & { cursor?: Record<string, unknown>; orderBy?: unknown; take?: number; where?: unknown };

const fieldKinds = new Map(
  Object.entries(getDatamodel().datamodel.models).map(([model, { fields }]) => [model, new Map(fields.map((field) => [field.name, field]))]),
);

/**
 * Prisma reads a page that has a `cursor` without relation joins: one query per relation that
 * reads every child row of the page (all timeline entries, counts grouped over the whole table),
 * and no LIMIT pushed down (prisma/prisma#27094). A later page then costs far more than the first.
 * This extension replaces a single-field cursor with the equivalent keyset condition on the sort
 * columns (read from the cursor row, by primary key), so every page is one joined statement. It
 * keeps Prisma's semantics: the cursor row is included and `skip` drops it; a negative `take`
 * reads backwards; an unknown cursor gives an empty page. Anything it cannot express the same way
 * (enum or nullable sort columns, relation orderings, compound cursors, distinct) is left to Prisma.
 * The cursor row is read on the base client, outside a transaction the page may be read in: fine
 * for connections, which page over committed rows.
 */
export function withKeysetCursors(prisma: PrismaClient): PrismaClient {
  return prisma.$extends({
    name: 'keyset-cursor',
    query: {
      $allModels: {
        async findMany({ model, args, query }) {
          const plan = keysetPlan(model, args as Args);
          if (!plan) return query(args);
          const delegate = (prisma as unknown as Record<string, { findUnique(args: unknown): Promise<Record<string, unknown> | null> }>)[
            model.charAt(0).toLowerCase() + model.slice(1)
          ];
          const cursorRow = await delegate.findUnique({
            where: plan.cursor,
            select: Object.fromEntries(plan.order.map(([field]) => [field, true])),
          });
          if (!cursorRow) return [];
          const { cursor: _cursor, ...rest } = args as Args;
          return query({ ...rest, where: { AND: [rest.where ?? {}, keysetWhere(plan.order, cursorRow, (rest.take ?? 0) < 0)] } } as typeof args);
        },
      },
    },
  }) as unknown as PrismaClient;
}

function keysetPlan(model: string, args: Args): { cursor: Record<string, unknown>; order: [string, Direction][] } | null {
  const { cursor } = args;
  if (!cursor || ('distinct' in args && args.distinct)) return null;
  const cursorFields = Object.keys(cursor);
  if (cursorFields.length !== 1 || typeof cursor[cursorFields[0]] === 'object') return null;
  const fields = fieldKinds.get(model);
  const entries = (Array.isArray(args.orderBy) ? args.orderBy : args.orderBy ? [args.orderBy] : []) as Record<string, unknown>[];
  const order: [string, Direction][] = [];
  for (const entry of entries) {
    const pairs = Object.entries(entry);
    if (pairs.length !== 1) return null;
    const [field, direction] = pairs[0];
    const kind = fields?.get(field);
    // Prisma has no lt/gt for enums, and NULLs do not compare: leave those orders to Prisma.
    if ((direction !== 'asc' && direction !== 'desc') || kind?.kind !== 'scalar' || !kind.isRequired || kind.isList) return null;
    order.push([field, direction]);
  }
  if (order.length === 0) order.push([cursorFields[0], 'asc']);
  // The order must end on the (unique) cursor field for the keyset to be a total order.
  if (order[order.length - 1][0] !== cursorFields[0]) return null;
  return { cursor, order };
}

/** Rows at or after the cursor row in the order (at or before it when reading backwards). */
function keysetWhere(order: [string, Direction][], cursorRow: Record<string, unknown>, backwards: boolean) {
  return {
    OR: order.map(([field, direction], index) => {
      const forward = (direction === 'asc') !== backwards;
      const last = index === order.length - 1;
      const operator = forward ? (last ? 'gte' : 'gt') : last ? 'lte' : 'lt';
      return {
        AND: [...order.slice(0, index).map(([equal]) => ({ [equal]: cursorRow[equal] })), { [field]: { [operator]: cursorRow[field] } }],
      };
    }),
  };
}
