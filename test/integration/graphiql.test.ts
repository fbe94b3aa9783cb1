import { mkdir, readFile } from 'node:fs/promises';
import { parse } from 'graphql';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHIQL_DEFAULT_QUERY } from '../../src/graphql/graphiql.js';
import { launchChromium } from '../support/browser.js';
import { backends, useGateway } from '../support/gateway.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

/** Visible text with every run of whitespace (editors render spaces as no-break spaces) as one space. */
async function textOf(locator: Locator): Promise<string> {
  return (await locator.innerText()).replace(/\s+/g, ' ');
}

describe('GraphiQL default tab', () => {
  it('holds one operation, the first query of schema/operations', async () => {
    const document = parse(GRAPHIQL_DEFAULT_QUERY);
    expect(document.definitions).toHaveLength(1);
    const firstQuery = await readFile(new URL('../../schema/operations/open-incidents.graphql', import.meta.url), 'utf8');
    expect(GRAPHIQL_DEFAULT_QUERY.endsWith(firstQuery)).toBe(true);
  });
});

describe.each(backends)('GraphiQL on %s', (backend) => {
  // Default settings: INTROSPECTION=authenticated refuses the schema until a key is given.
  const gateway = useGateway(backend);
  let browser: Browser;
  let key: string;
  beforeAll(async () => {
    browser = await launchChromium();
    ({ key } = await gateway.createOrg(['read']));
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => browser?.close());

  it('starts clean: no error in the result pane before any key is given; Run answers the first query once the key is in, and the Docs load with it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!/^(blob:|data:)/.test(request.url()) && !request.url().startsWith(gateway.url)) outside.push(request.url());
    });
    const isSchemaRequest = (body: string | null) => (body ?? '').includes('__schema');
    const refusedSchema = page.waitForResponse((response) => response.url().startsWith(gateway.graphqlUrl) && isSchemaRequest(response.request().postData()));
    await page.goto(`${gateway.url}/graphql`);
    // The keyless schema request is refused, as INTROSPECTION=authenticated says ...
    expect((await (await refusedSchema).json()).errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);

    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await expect.poll(() => textOf(headersEditor)).toContain('"Authorization": ""');
    await expect.poll(() => textOf(page.locator('.graphiql-query-editor'))).toContain('query OpenIncidents');
    expect(await textOf(page.locator('.graphiql-query-editor'))).toContain('Welcome to incident-gateway');
    // ... and the page keeps it to itself: the result pane stays empty, no error greets a newcomer.
    await page.waitForTimeout(1000);
    expect((await page.locator('.graphiql-response').innerText()).trim()).toBe('');
    await page.screenshot({ path: new URL(`graphiql-first-load-${backend}.png`, ARTIFACTS).pathname });

    // What the welcome text says: the key in Headers, then Run (one operation: no chooser).
    await headersEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(`{"Authorization": "Bearer ${key}"}`);
    // The editor closes brackets and quotes as they are typed; drop what it added.
    await page.keyboard.press('Shift+Control+End');
    await page.keyboard.press('Delete');
    // GraphiQL takes the edit in after a short debounce; it then persists the headers (shouldPersistHeaders).
    const storedHeaders = () => page.evaluate(() => localStorage.getItem('graphiql:headers')?.replace(/\s+/g, ' '));
    await expect.poll(storedHeaders).toBe(`{"Authorization": "Bearer ${key}"}`);
    const keyedSchema = page.waitForResponse(
      (response) => isSchemaRequest(response.request().postData()) && (response.request().headers().authorization ?? '') === `Bearer ${key}`,
    );
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => textOf(page.locator('.graphiql-response'))).toContain('"totalCount": 0');
    // The schema was asked again with the key: the Docs are there.
    expect((await (await keyedSchema).json()).errors).toBeUndefined();
    await page.getByRole('button', { name: /Documentation Explorer/ }).click();
    await expect.poll(() => textOf(page.locator('.graphiql-doc-explorer'))).toContain('subscription: Subscription');
    expect(await page.getByRole('menuitem').count()).toBe(0);
    await page.screenshot({ path: new URL(`graphiql-${backend}.png`, ARTIFACTS).pathname });
    expect(outside).toEqual([]);
    await page.close();
  });
});
