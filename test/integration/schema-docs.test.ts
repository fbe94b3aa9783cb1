import { describe, expect, it } from 'vitest';
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  printSchema,
  type GraphQLArgument,
} from 'graphql';
import { schema } from '../../src/graphql/schema.js';

/** Every schema element a reader of GraphiQL's docs or schema.graphql meets, as `Type.field(arg)` paths, that has no description. */
function undocumented(): string[] {
  // Walk the printed form: it is what clients and GraphiQL see.
  const printed = buildSchema(printSchema(schema));
  const gaps: string[] = [];
  const checkArgs = (owner: string, args: readonly GraphQLArgument[]) => {
    for (const arg of args) if (!arg.description?.trim()) gaps.push(`${owner}(${arg.name})`);
  };
  for (const type of Object.values(printed.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    if (!type.description?.trim()) gaps.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description?.trim()) gaps.push(`${type.name}.${field.name}`);
        checkArgs(`${type.name}.${field.name}`, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description?.trim()) gaps.push(`${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!value.description?.trim()) gaps.push(`${type.name}.${value.name}`);
      }
    }
  }
  for (const directive of printed.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    if (!directive.description?.trim()) gaps.push(`@${directive.name}`);
    checkArgs(`@${directive.name}`, directive.args);
  }
  return gaps;
}

describe('schema documentation', () => {
  it('describes every type, field, argument, input field and enum value', () => {
    expect(undocumented()).toEqual([]);
  });
});
