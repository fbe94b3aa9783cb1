import { expect } from 'vitest';
import { gql, type TestGateway } from './gateway.js';

export interface UserErrorShape {
  code: string;
  field: string[] | null;
  message: string;
}

/** Sends an operation and fails the test on any top-level error. */
export async function ok<T = Record<string, any>>(gateway: TestGateway, key: string | null, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await gql<T>(gateway, key, query, variables);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data as T;
}

/**
 * Runs mutation `name` with `input` (its input type is the capitalized name + "Input") and
 * returns its payload: `selection` plus userErrors.
 */
export async function mutate<T = Record<string, any>>(
  gateway: TestGateway,
  key: string,
  name: string,
  input: Record<string, unknown>,
  selection: string,
): Promise<T & { userErrors: UserErrorShape[] }> {
  const inputType = `${name[0].toUpperCase()}${name.slice(1)}Input`;
  const data = await ok<Record<string, T & { userErrors: UserErrorShape[] }>>(
    gateway,
    key,
    `mutation ($input: ${inputType}!) { ${name}(input: $input) { ${selection} userErrors { code field message } } }`,
    { input },
  );
  return data[name];
}

/** Like mutate, but the call must succeed; returns the payload's objects. */
export async function created<T = Record<string, any>>(
  gateway: TestGateway,
  key: string,
  name: string,
  input: Record<string, unknown>,
  selection: string,
): Promise<T> {
  const payload = await mutate<T>(gateway, key, name, input, selection);
  expect(payload.userErrors).toEqual([]);
  return payload;
}

/** The codes and paths of a rejection, for compact assertions. */
export function errorsOf(payload: { userErrors: UserErrorShape[] }): { code: string; field: string[] | null }[] {
  return payload.userErrors.map(({ code, field }) => ({ code, field }));
}

/** totalCount of a root connection, to prove a rejected input wrote nothing. */
export async function countOf(gateway: TestGateway, key: string, connection: string): Promise<number> {
  const data = await ok<Record<string, { totalCount: number }>>(gateway, key, `{ ${connection} { totalCount } }`);
  return data[connection].totalCount;
}

export async function createUser(gateway: TestGateway, key: string, name: string, timeZone = 'UTC'): Promise<string> {
  const payload = await created<{ user: { id: string } }>(
    gateway,
    key,
    'createUser',
    { name, email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.com`, timeZone },
    'user { id }',
  );
  return payload.user.id;
}

export async function createComponent(gateway: TestGateway, key: string, input: Record<string, unknown>): Promise<string> {
  const payload = await created<{ component: { id: string } }>(gateway, key, 'createComponent', input, 'component { id }');
  return payload.component.id;
}
