import { beforeAll, describe, expect, it } from 'vitest';
import { gql, useGateway } from '../support/gateway.js';

/** Rows 3 (cross-site forms) and 9 (reflected origins) of the exposure review, on both HTTP paths. */

const TRUSTED = 'https://ops.example.com';
const HOSTILE = 'https://evil.example';

describe.each(['on', 'off'])('cross-site requests (DIRECT_HTTP=%s)', (directHttp) => {
  const gateway = useGateway('pglite', { DIRECT_HTTP: directHttp, CORS_ORIGINS: `${TRUSTED},https://status.example.org` });
  let key: string;
  beforeAll(async () => {
    ({ key } = await gateway.createOrg(['write']));
  });

  const incidentCount = async () => (await gql(gateway, key, '{ incidents { totalCount } }')).data?.incidents.totalCount as number;
  const post = (headers: Record<string, string>, body = JSON.stringify({ query: '{ __typename }' })) =>
    fetch(gateway.graphqlUrl, { method: 'POST', headers, body });

  it('answers form, multipart and text/plain bodies with 415 and runs nothing', async () => {
    const mutation = 'mutation { createIncident(input: { title: "Forged" }) { incident { id } } }';
    const before = await incidentCount();
    const form = new URLSearchParams({ query: mutation });
    const multipart = new FormData();
    multipart.set('query', mutation);
    multipart.set('operations', JSON.stringify({ query: mutation }));
    for (const body of [form, multipart, JSON.stringify({ query: mutation })]) {
      // What a cross-site <form> or a no-cors fetch can send: no preflight, the browser picks the content type.
      const response = await fetch(gateway.graphqlUrl, { method: 'POST', headers: { origin: HOSTILE, authorization: `Bearer ${key}` }, body });
      expect(response.status, String(response.headers.get('content-type'))).toBe(415);
      expect((await response.json()).errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    for (const contentType of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'text/plain;charset=UTF-8', 'application/graphql']) {
      const response = await post({ 'content-type': contentType, authorization: `Bearer ${key}` }, `query=${encodeURIComponent(mutation)}`);
      expect(response.status, contentType).toBe(415);
    }
    expect(await incidentCount()).toBe(before);
  });

  it('takes application/json, with either JSON response type', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const response = await post({ 'content-type': 'application/json', accept, authorization: `Bearer ${key}` });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(accept);
      expect((await response.json()).data).toEqual({ __typename: 'Query' });
    }
  });

  it('never reflects an origin outside CORS_ORIGINS: anonymous requests get * without credentials', async () => {
    const anonymous = await post({ 'content-type': 'application/json', origin: HOSTILE });
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('access-control-allow-origin')).toBe('*');
    expect(anonymous.headers.get('access-control-allow-credentials')).toBeNull();

    // A keyed request from an unlisted origin: its answer is not given to that page.
    const keyed = await post({ 'content-type': 'application/json', origin: HOSTILE, authorization: `Bearer ${key}` });
    expect(keyed.headers.get('access-control-allow-origin')).toBeNull();
    expect(keyed.headers.get('access-control-allow-credentials')).toBeNull();

    const get = await fetch(`${gateway.graphqlUrl}?query=${encodeURIComponent('{ __typename }')}`, { headers: { origin: HOSTILE } });
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    expect(get.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets a preflight from an unlisted origin send no API key', async () => {
    const preflight = await fetch(gateway.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: HOSTILE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const allowedHeaders = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(allowedHeaders).toContain('content-type');
    expect(allowedHeaders).not.toContain('authorization');
  });

  it('allows CORS_ORIGINS with credentials and an API key, preflight included', async () => {
    const preflight = await fetch(gateway.graphqlUrl, {
      method: 'OPTIONS',
      headers: { origin: TRUSTED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(TRUSTED);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect((preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toContain('authorization');
    expect(preflight.headers.get('vary')).toContain('Origin');

    const keyed = await post({ 'content-type': 'application/json', origin: TRUSTED, authorization: `Bearer ${key}` }, JSON.stringify({ query: '{ viewer { scopes } }' }));
    expect(keyed.status).toBe(200);
    expect(keyed.headers.get('access-control-allow-origin')).toBe(TRUSTED);
    expect(keyed.headers.get('access-control-allow-credentials')).toBe('true');
    expect((await keyed.json()).data.viewer.scopes).toContain('write');
  });

  it('keeps GraphiQL and the board working', async () => {
    const graphiql = await fetch(gateway.graphqlUrl, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(graphiql.headers.get('content-type')).toContain('text/html');
    await graphiql.body?.cancel();
    const board = await fetch(`${gateway.url}/board`);
    expect(board.status).toBe(200);
    // The board's own requests are same-origin POSTs, which browsers send with an Origin header.
    const fromBoard = await post({ 'content-type': 'application/json', origin: gateway.url, authorization: `Bearer ${key}` }, JSON.stringify({ query: '{ viewer { scopes } }' }));
    expect(fromBoard.status).toBe(200);
    expect((await fromBoard.json()).data.viewer.scopes).toContain('write');
  });
});
