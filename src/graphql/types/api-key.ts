import { API_KEY_REVOCATIONS, isScope, SCOPES, type Scope } from '../../auth/keys.js';
import { InputCheck } from '../../domain/validation.js';
import * as apiKeys from '../../services/api-keys.js';
import { builder } from '../builder.js';
import { orgOf, type GatewayContext } from '../context.js';
import { actorOf, decodeId, definePayload, orgWideList, rejected, scopedNodeWhere, type PayloadShape } from '../common.js';

const API_KEY_NAME_MAX = 100;

export const ApiKeyRef = builder.prismaNode('ApiKey', {
  id: { field: 'id', description: 'Global ID of the key (also shown as Actor.keyId in the audit trail).' },
  description: 'An API key of your organization. The secret itself is shown only once, by createApiKey.',
  authScopes: { admin: true },
  findUnique: scopedNodeWhere,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the key is for.' }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, enough to recognise it; not a secret.' }),
    scopes: t.exposeStringList('scopes', { description: 'Scopes as granted: read, write, admin (admin implies write implies read).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was last used (recorded at most once a minute); null when never used.',
    }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked; null while it is valid.' }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.prismaConnection(
    {
      type: 'ApiKey',
      cursor: 'id',
      description: 'The API keys of your organization, newest first, revoked ones included. Needs the admin scope.',
      authScopes: { admin: true },
      ...orgWideList('apiKey', [{ createdAt: 'desc' }, { id: 'desc' }]),
    },
    { description: 'A page of API keys.' },
    { description: 'An API key in a page.' },
  ),
);

interface ApiKeyResult {
  apiKeyId: string;
  /** The key itself: only right after creation. */
  key?: string;
}

function apiKeyField(t: Parameters<Parameters<typeof definePayload<ApiKeyResult>>[2]>[0]) {
  return t.prismaField({
    type: 'ApiKey',
    nullable: true,
    description: 'The key; null when the input was rejected.',
    resolve: (query, payload: PayloadShape<ApiKeyResult>, _args, context: GatewayContext) =>
      payload.result ? context.db.prisma.apiKey.findUnique({ ...query, where: { id: payload.result.apiKeyId } }) : null,
  });
}

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key for your organization.',
  fields: (t) => ({
    name: t.string({ required: true, description: `What the key is for, 1 to ${API_KEY_NAME_MAX} characters.` }),
    scopes: t.stringList({
      required: true,
      description: 'At least one of read, write, admin (case-insensitive). admin implies write, write implies read.',
    }),
  }),
});

const CreateApiKeyPayload = definePayload<ApiKeyResult>('CreateApiKeyPayload', 'Result of createApiKey.', (t) => ({
  apiKey: apiKeyField(t),
  key: t.string({
    nullable: true,
    description: 'The key to send as "Authorization: Bearer <key>". Shown only here, once: store it now.',
    resolve: (payload) => payload.result?.key ?? null,
  }),
}));

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreateApiKeyPayload,
    description: 'Creates an API key and returns it once. Needs the admin scope.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true, description: 'The key.' }) },
    resolve: async (_root, { input }, context) => {
      const check = new InputCheck();
      const name = check.requiredText(input.name, 'name', API_KEY_NAME_MAX);
      const scopes: Scope[] = [];
      input.scopes.forEach((raw, index) => {
        const scope = raw.trim().toLowerCase();
        if (!isScope(scope)) check.fail(['scopes', index], 'a scope is one of read, write, admin');
        else if (!scopes.includes(scope)) scopes.push(scope);
      });
      if (input.scopes.length === 0) check.fail(['scopes'], 'at least one scope is required');
      if (!check.ok) return rejected(check.errors);
      const granted = SCOPES.filter((scope) => scopes.includes(scope));
      const { key, apiKey } = await apiKeys.issueApiKey(context.db.prisma, orgOf(context), name, granted);
      return { result: { apiKeyId: apiKey.id, key }, userErrors: [] };
    },
  }),
);

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  description: 'The key to revoke.',
  fields: (t) => ({ id: t.id({ required: true, description: 'Global ID of the API key.' }) }),
});

const RevokeApiKeyPayload = definePayload<ApiKeyResult>('RevokeApiKeyPayload', 'Result of revokeApiKey.', (t) => ({
  apiKey: apiKeyField(t),
}));

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: RevokeApiKeyPayload,
    description:
      'Revokes an API key: from now on it gets 401 on HTTP, and its open WebSocket connections are closed with 4403. Revoking it again changes nothing. Needs the admin scope.',
    authScopes: { admin: true },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true, description: 'The key.' }) },
    resolve: async (_root, { input }, context) => {
      const outcome = await apiKeys.revokeApiKey(context.db.prisma, actorOf(context), decodeId(String(input.id), 'ApiKey'));
      if (!outcome.ok) return rejected(outcome.errors);
      // After the commit: this instance refuses the key from the next request on, and every
      // instance (told through the pub/sub) forgets it and closes its sockets.
      context.verifiedKeys.forget(outcome.value.apiKeyId);
      context.pubsub.publish('apikey.revoked', API_KEY_REVOCATIONS, { keyId: outcome.value.apiKeyId });
      return { result: outcome.value, userErrors: [] };
    },
  }),
);
