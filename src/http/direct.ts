import type { IncomingMessage, ServerResponse } from 'node:http';
import { getOperationAST, type ExecutionResult, type GraphQLError } from 'graphql';
import { processRegularResult, type YogaServerInstance } from 'graphql-yoga';

/**
 * The common request, a POST of application/json asking for a JSON answer, served through Yoga's
 * own envelop (the same parse and validation caches, plugins, context, limits, masking) and its
 * own result processor (status codes, headers, serialization), but without the fetch-API Request,
 * Response, AbortSignal and streams that Yoga's HTTP layer builds for every request: on
 * `{ __typename }` those cost most of the gateway's CPU (bench/README.md).
 *
 * Whatever this path does not take answers nothing and returns false, before anything ran that
 * has an effect, and Yoga serves the request: other methods and content types, Accept
 * headers asking for more than JSON, batches, bodies that are not GraphQL requests, documents that
 * do not parse or validate, subscriptions, credentials that do not check out. A differential test
 * (test/integration/direct-http.test.ts) holds both paths to the same status, headers and body.
 * What comes before both paths (CORS, methods, content types: request-guard.ts) is not repeated here.
 */
export interface DirectHandlerOptions<ServerContext extends Record<string, any>, UserContext extends Record<string, any>> {
  yoga: YogaServerInstance<ServerContext, UserContext>;
  /** The masking Yoga applies to an error thrown out of execution. */
  maskError: (error: unknown, message: string) => Error;
  /** Headers the limit plugins computed for the request (RateLimit-*). */
  responseHeaders: (request: object) => Record<string, string> | undefined;
  /** What Yoga's onParams hooks do to the params (persisted documents); a throw leaves the request to Yoga. */
  prepareParams: (params: Params) => Promise<Params>;
}

const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);
const REGULAR_MEDIA_TYPES = ['application/graphql-response+json', 'application/json'] as const;
type RegularMediaType = (typeof REGULAR_MEDIA_TYPES)[number];

export interface Params {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

/** Yoga's result processors answer with a Response; this one only keeps what it was given. */
class CapturedResponse {
  constructor(
    readonly body: string | null,
    readonly init: { status?: number; headers?: Record<string, string> } = {},
  ) {}
}
const CAPTURING_FETCH_API = { Response: CapturedResponse } as unknown as Parameters<typeof processRegularResult>[1];

export function createDirectHandler<ServerContext extends Record<string, any>, UserContext extends Record<string, any>>({
  yoga,
  maskError,
  responseHeaders,
  prepareParams,
}: DirectHandlerOptions<ServerContext, UserContext>) {
  return async function serveDirectly(req: IncomingMessage, res: ServerResponse, body: Buffer, serverContext: ServerContext): Promise<boolean> {
    if (!isPlainJson(req.headers['content-type'])) return false;
    const mediaType = acceptedMediaType(req.headers.accept);
    const parsed = mediaType && paramsOf(body);
    // Incremental delivery (@defer, @stream) answers in several parts: Yoga's HTTP layer does that.
    if (!parsed || /@(defer|stream)\b/.test(parsed.query)) return false;
    let params: Params;
    try {
      params = await prepareParams(parsed);
    } catch {
      return false;
    }

    const request = { method: 'POST', url: req.url, headers: { get: (name: string) => headerOf(req, name) } };
    const enveloped = yoga.getEnveloped({ ...serverContext, request, params } as never);
    let document;
    try {
      document = enveloped.parse(params.query);
    } catch {
      return false;
    }
    if (enveloped.validate(enveloped.schema, document).length > 0) return false;
    const operation = getOperationAST(document, params.operationName);
    if (!operation || operation.operation === 'subscription') return false;
    let contextValue: unknown;
    try {
      contextValue = await enveloped.contextFactory();
    } catch {
      return false;
    }

    let result: ExecutionResult;
    try {
      result = (await enveloped.execute({
        schema: enveloped.schema,
        document,
        contextValue,
        variableValues: params.variables,
        operationName: params.operationName,
      })) as ExecutionResult;
    } catch (error) {
      result = { errors: [maskError(error, 'Unexpected error.') as GraphQLError] };
    }
    const response = processRegularResult(result, CAPTURING_FETCH_API, mediaType) as unknown as CapturedResponse;
    const length = response.body === null ? 0 : Buffer.byteLength(response.body);
    res.writeHead(response.init.status ?? 200, { ...response.init.headers, ...responseHeaders(request), 'Content-Length': length });
    res.end(response.body);
    return true;
  };
}

/** `application/json`, with at most a utf-8 charset: Yoga matches the type case-sensitively and takes any parameters. */
function isPlainJson(contentType: string | undefined): boolean {
  if (contentType === 'application/json') return true;
  return !!contentType?.startsWith('application/json;') && /^;\s*charset=utf-8\s*$/i.test(contentType.slice('application/json'.length));
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The media type Yoga's result processing would pick for a single result, when the Accept header
 * names only JSON types (or none); null otherwise. As in Yoga, the types are tried in reverse and
 * the last match wins; a charset other than utf-8 drops a type.
 */
function acceptedMediaType(accept: string | undefined): RegularMediaType | null {
  const asked: string[] = [];
  for (const entry of (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...parameters] = entry.split(';');
    const charset = parameters.find((parameter) => parameter.includes('charset=')) ?? 'charset=utf-8';
    if (charset !== 'charset=utf-8') continue;
    if (!['*/*', 'application/*', ...REGULAR_MEDIA_TYPES].includes(type)) return null;
    asked.push(type);
  }
  let picked: RegularMediaType | null = null;
  for (const type of asked.reverse()) {
    for (const candidate of REGULAR_MEDIA_TYPES) {
      if (type === '*/*' || type === 'application/*' || type === candidate) picked = candidate;
    }
  }
  return picked;
}

/** The body as GraphQL-over-HTTP parameters; null for anything else (Yoga explains what is wrong). */
function paramsOf(body: Buffer): Params | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isPlainObject(parsed) || typeof parsed.query !== 'string') return null;
  if (Object.keys(parsed).some((name) => !PARAM_NAMES.has(name))) return null;
  const { variables, operationName, extensions } = parsed;
  if (variables != null && !isPlainObject(variables)) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (extensions != null && !isPlainObject(extensions)) return null;
  return parsed as unknown as Params;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
