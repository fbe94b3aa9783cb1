/** The same query with its root selection wrapped in `... @include(if: true) { }`: same answer, but compiled reads do not take it, so it runs on the general path. */
export function generalPathOf(query: string): string {
  const open = query.indexOf('{');
  let depth = 0;
  for (let index = open; index < query.length; index += 1) {
    if (query[index] === '{') depth += 1;
    if (query[index] === '}' && --depth === 0) {
      return `${query.slice(0, open)}{ ... @include(if: true) ${query.slice(open, index + 1)} }${query.slice(index + 1)}`;
    }
  }
  throw new Error(`unbalanced query: ${query}`);
}
