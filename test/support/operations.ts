import { readdir, readFile } from 'node:fs/promises';
import { Kind, parse, print, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

export const OPERATIONS_DIR = new URL('../../schema/operations/', import.meta.url);

export interface Operation {
  name: string;
  file: string;
  kind: OperationDefinitionNode['operation'];
  /** The operation and the fragments it uses, printed: what a client sends. */
  text: string;
}

/** Every operation in schema/operations/*.graphql, each printed with the fragments it uses. */
export async function loadOperations(): Promise<Operation[]> {
  const files = (await readdir(OPERATIONS_DIR)).filter((file) => file.endsWith('.graphql')).sort();
  const documents = await Promise.all(files.map(async (file) => ({ file, document: parse(await readFile(new URL(file, OPERATIONS_DIR), 'utf8')) })));
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const { document } of documents) {
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const used = (node: OperationDefinitionNode | FragmentDefinitionNode, into = new Set<string>()) => {
    visit(node, {
      FragmentSpread(spread) {
        if (into.has(spread.name.value)) return;
        into.add(spread.name.value);
        used(fragments.get(spread.name.value)!, into);
      },
    });
    return into;
  };
  return documents.flatMap(({ file, document }) =>
    document.definitions
      .filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION)
      .map((operation) => {
        const whole: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...[...used(operation)].map((name) => fragments.get(name)!)] };
        return { name: operation.name!.value, file, kind: operation.operation, text: print(whole) };
      }),
  );
}
