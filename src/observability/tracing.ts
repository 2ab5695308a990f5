// OpenTelemetry tracing, exported over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT: one trace runs
// from the HTTP request (a server span per request) through the workflow start (Temporal client
// interceptor) into the workflow and its activities (Temporal worker interceptors, workflow spans
// leaving the sandbox through a sink) and on to outbound HTTP calls (undici instrumentation:
// fetch, the LLM client, Elasticsearch). Without an endpoint nothing is installed.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import type { RequestHandler } from 'express';
import type { Config } from '../config';

/** Bundled into the workflow sandbox: spans for workflow runs, activity and child starts, signals. */
export const workflowTracingModule = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export interface Tracing {
  enabled: boolean;
  /** Exports what is buffered (tests read the collector right after). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let active: { resource: Resource; processor: SpanProcessor; provider: NodeTracerProvider } | undefined;

export const tracingEnabled = (config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>) => Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT);
/** Whether this process has a tracer provider (startTracing ran with an endpoint). */
export const isTracingActive = () => active !== undefined;

/** Installs the process-wide tracer provider (once per process). */
export function startTracing(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
  defaultServiceName: string,
): Tracing {
  if (!tracingEnabled(config)) return { enabled: false, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
  if (!active) {
    const resource = new Resource({ 'service.name': config.OTEL_SERVICE_NAME || defaultServiceName });
    const exporter = new OTLPTraceExporter({ url: `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces` });
    const processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 });
    const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
    provider.register(); // global tracer provider, AsyncLocalStorage context, W3C trace-context propagation
    registerInstrumentations({ tracerProvider: provider, instrumentations: [new UndiciInstrumentation()] });
    active = { resource, processor, provider };
  }
  const { provider } = active;
  return {
    enabled: true,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      active = undefined;
    },
  };
}

/** What a worker needs to trace activities and export workflow spans (after startTracing). */
export function tracingWorkerOptions():
  { sinks: NonNullable<WorkerOptions['sinks']>; activityInterceptors: ActivityInterceptorsFactory[] } | undefined {
  if (!active) return undefined;
  return {
    sinks: { exporter: makeWorkflowExporter(active.processor, active.resource) },
    activityInterceptors: [
      (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    ],
  };
}

/** Temporal client interceptors that carry the current trace into started workflows. */
export function tracingClientInterceptors() {
  return active ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/** A server span per HTTP request, continuing a trace the caller sent (traceparent header). */
export function traceRequests(): RequestHandler {
  const tracer = trace.getTracer('magicai-api');
  return (req, res, next) => {
    if (!active) return next();
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } },
      parent,
    );
    res.on('finish', () => {
      // The route template, once express has matched one, names the span (bounded cardinality).
      if (req.route) span.updateName(`${req.method} ${req.baseUrl}${String((req.route as { path: string }).path)}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
