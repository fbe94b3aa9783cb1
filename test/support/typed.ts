import type { TypedDocumentString } from '../../src/client/generated/graphql.js';
import { gql, type GraphQLResponse, type TestGateway } from './gateway.js';

/** A generated, typed operation (schema/operations) sent over HTTP like `gql`, with typed variables and data. */
export function send<TResult, TVariables>(
  gateway: Pick<TestGateway, 'graphqlUrl'>,
  key: string | null,
  document: TypedDocumentString<TResult, TVariables>,
  ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<GraphQLResponse<TResult>> {
  return gql<TResult>(gateway, key, document.toString(), variables as Record<string, unknown> | undefined);
}

/** Like `send`, but fails on any GraphQL error and returns the data. */
export async function sendOk<TResult, TVariables>(
  gateway: Pick<TestGateway, 'graphqlUrl'>,
  key: string | null,
  document: TypedDocumentString<TResult, TVariables>,
  ...variables: TVariables extends Record<string, never> ? [] : [TVariables]
): Promise<TResult> {
  const response = await send(gateway, key, document, ...variables);
  if (response.errors?.length || !response.data) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data;
}
