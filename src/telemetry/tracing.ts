import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import { defaultFieldResolver, getOperationAST, type DocumentNode, type GraphQLField, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { StatementListener } from '../db/statement-reporter.js';

/**
 * OpenTelemetry traces with the standard SDK, configured by the standard variables
 * (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL incl. http/json, OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER...). Off when no endpoint is set: then nothing here is created and the
 * request path has no tracing code at all (each hook is installed only when tracing is on).
 *
 * The spans: one per HTTP request (continuing the caller's W3C traceparent), GraphQL parse,
 * validate, execute and subscribe under it, one per root field resolver (the ones that reach the
 * database), one per SQL statement, one per subscription event executed, one per outbox delivery
 * and one per escalation step, each continuing the trace that queued it; outgoing webhooks carry
 * the traceparent of their delivery span.
 */
export interface Tracing {
  /** Runs the request's handling inside a server span. */
  httpRequest(req: IncomingMessage, res: ServerResponse, route: string, handle: () => Promise<void>): Promise<void>;
  /** Yoga plugins: GraphQL phase spans and root resolver spans. */
  plugins: Plugin[];
  /** Runs one execution of a subscription event in a span (src/graphql/plugins/shared-events.ts). */
  traceEvent<T>(run: () => T): T;
  /** Statement listener: a client span per SQL statement. */
  onStatement: StatementListener;
  /** Runs `work` in a span, a child of the active one (or of `parent`, a W3C traceparent carrier). */
  inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>, parent?: Record<string, string>): Promise<T>;
  /** The W3C trace context of the active span, as headers or a carrier to store with queued work. */
  currentContext(): Record<string, string>;
  flush(): Promise<void>;
}

/** The ids pino adds to each log line written while a span is active. */
export function activeTraceIds(): { traceId: string; spanId: string } | Record<string, never> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

/**
 * The W3C trace context (traceparent, tracestate) of the active span, to store with queued work
 * (an outbox notification, an escalation step) so that carrying it out continues the trace; null
 * when no span is active, which is always the case with tracing off (the API's propagator then
 * does nothing).
 */
export function activeTraceContext(): Record<string, string> | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : null;
}

/**
 * A trace context stored with queued work (activeTraceContext, in a JSON column) as the `parent`
 * of inSpan; undefined when none was stored (tracing was off, or the row is older than its
 * column), and the work then starts a trace of its own.
 */
export function storedTraceContext(stored: unknown): Record<string, string> | undefined {
  return (stored as Record<string, string> | null) ?? undefined;
}

export function tracingEnabled(env: Record<string, string | undefined>): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
}

let sdk: NodeSDK | null = null;

/** Starts the SDK once per process (the OpenTelemetry API is process-wide) and returns the gateway's tracer. */
export async function startTracing(): Promise<Tracing> {
  // Loaded only when tracing is on: otherwise the SDK and its exporters would sit in every idle process.
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  if (!sdk) {
    // Traces only: metrics stay on /metrics, logs on stdout.
    sdk = new NodeSDK({ serviceName: process.env.OTEL_SERVICE_NAME || 'incident-gateway', instrumentations: [], metricReaders: [], logRecordProcessors: [] });
    sdk.start();
  }
  return createTracing(trace.getTracer('incident-gateway'));
}

function ended<T>(span: Span, work: () => Promise<T>): Promise<T> {
  return work().then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      failed(span, error);
      span.end();
      throw error;
    },
  );
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

function operationOf(document: DocumentNode | undefined, operationName: string | null | undefined): Attributes {
  const operation = document && getOperationAST(document, operationName);
  return operation ? { 'graphql.operation.type': operation.operation, 'graphql.operation.name': operation.name?.value ?? '' } : {};
}

type AsyncPhase = (name: string, attributes: Attributes, wrapped: () => unknown) => unknown;

/** Marks a root field whose resolver is wrapped: the schema is shared by every gateway of the process. */
const TRACED_RESOLVER = Symbol('tracedResolver');
/** Where a traced operation's context holds the span starter its root resolvers use. */
const RESOLVER_SPANS = Symbol('resolverSpans');

/**
 * Wraps each root field's resolver, once per schema (field resolvers are replaced in place), in a
 * span when its operation's context carries RESOLVER_SPANS, i.e. in a gateway with tracing on.
 */
function traceRootResolvers(schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const marked = field as GraphQLField<unknown, unknown> & { [TRACED_RESOLVER]?: true };
      if (marked[TRACED_RESOLVER]) continue;
      marked[TRACED_RESOLVER] = true;
      const resolve = field.resolve ?? defaultFieldResolver;
      const path = `${type!.name}.${field.name}`;
      field.resolve = (root, args, resolverContext, info) => {
        const spans = (resolverContext as { [RESOLVER_SPANS]?: AsyncPhase } | null)?.[RESOLVER_SPANS];
        if (!spans) return resolve(root, args, resolverContext, info);
        return spans(`resolve ${path}`, { 'graphql.field.path': path }, () => resolve(root, args, resolverContext, info));
      };
    }
  }
}

function createTracing(tracer: Tracer): Tracing {
  /** A span around a synchronous phase (parse, validate), ended when it returns. */
  function phase(name: string, wrapped: () => void): void {
    tracer.startActiveSpan(name, (span) => {
      try {
        wrapped();
      } finally {
        span.end();
      }
    });
  }

  /** A span around a phase that may return a promise. */
  function asyncPhase(name: string, attributes: Attributes, wrapped: () => unknown): unknown {
    return tracer.startActiveSpan(name, { attributes }, (span) => {
      let result: unknown;
      try {
        result = wrapped();
      } catch (error) {
        failed(span, error);
        span.end();
        throw error;
      }
      if (result instanceof Promise) return ended(span, () => result as Promise<unknown>);
      span.end();
      return result;
    });
  }

  const plugin: Plugin = {
    instrumentation: {
      parse: (_payload, wrapped) => phase('graphql.parse', wrapped),
      validate: (_payload, wrapped) => phase('graphql.validate', wrapped),
      execute: (_payload, wrapped) => asyncPhase('graphql.execute', {}, wrapped) as void,
      subscribe: (_payload, wrapped) => asyncPhase('graphql.subscribe', {}, wrapped) as void,
    },
    onExecute({ args }) {
      trace.getActiveSpan()?.setAttributes(operationOf(args.document, args.operationName));
    },
    onSubscribe({ args }) {
      trace.getActiveSpan()?.setAttributes(operationOf(args.document, args.operationName));
    },
  };

  // Root fields are where resolvers reach the database; the statements below them have their own spans.
  const rootResolvers: Plugin = {
    onSchemaChange: ({ schema }) => traceRootResolvers(schema),
    onContextBuilding: ({ extendContext }) => extendContext({ [RESOLVER_SPANS]: asyncPhase } as Record<symbol, AsyncPhase> as never),
  };

  return {
    httpRequest(req, res, route, handle) {
      const parent = propagation.extract(context.active(), req.headers);
      const span = tracer.startSpan(
        `${req.method ?? 'GET'} ${route}`,
        { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'http.route': route, 'url.path': route } },
        parent,
      );
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      return context.with(trace.setSpan(parent, span), handle);
    },
    plugins: [plugin, rootResolvers],
    traceEvent: (run) => asyncPhase('graphql.subscription.event', {}, run) as ReturnType<typeof run>,
    onStatement(sql, statement) {
      // Only within a traced unit of work: the workers' polls would otherwise each start a trace.
      if (!trace.getActiveSpan()) return;
      const span = tracer.startSpan(sql.trimStart().split(/\s+/, 1)[0]?.toUpperCase() || 'SQL', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system': 'postgresql', 'db.query.text': sql.length > 2000 ? `${sql.slice(0, 2000)}…` : sql },
      });
      statement.onDone = (error) => {
        if (error) failed(span, error);
        span.end();
      };
    },
    inSpan(name, attributes, work, parent) {
      const parentContext: Context = parent ? propagation.extract(context.active(), parent) : context.active();
      return tracer.startActiveSpan(name, { attributes }, parentContext, (span) => ended(span, () => work(span)));
    },
    currentContext() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier;
    },
    async flush() {
      const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
      await provider.getDelegate?.().forceFlush?.();
    },
  };
}
