// Tracing end to end through a real OpenTelemetry Collector (built from the collector's Go
// modules: OTLP receiver, file exporter): one POST /v1/stack-checks makes one trace in which the
// HTTP server span is the ancestor of the workflow start, the workflow run, its activities, and
// the activities' outbound HTTP call to Elasticsearch.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTracing, type Tracing } from '../src/observability/tracing';
import { opsTool, skipUnless } from './support/ops-tools';
import { actAsByDefault, eventually, http, startWorld, type World } from './support/world';

const otelcol = opsTool('OTELCOL_PATH');
/** OTLP/HTTP port of this test's collector (override when taken). */
const OTLP_PORT = Number(process.env.TEST_OTLP_PORT ?? 11410);

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
}

/** Spans from the collector's file exporter (one OTLP/JSON document per line). */
function readSpans(file: string): Span[] {
  if (!existsSync(file)) return [];
  const spans: Span[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const doc = JSON.parse(line) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: Omit<Span, 'service'>[] }[];
      }[];
    };
    for (const rs of doc.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      for (const ss of rs.scopeSpans) for (const span of ss.spans) spans.push({ ...span, service });
    }
  }
  return spans;
}

describe('tracing through a real OTLP collector', { skip: skipUnless({ otelcol }) }, () => {
  let collector: ChildProcess;
  let tracing: Tracing;
  let world: World;
  const dir = mkdtempSync(path.join(tmpdir(), 'magicai-otel-'));
  const spansFile = path.join(dir, 'traces.jsonl');

  before(async () => {
    writeFileSync(
      path.join(dir, 'config.yaml'),
      [
        'receivers:',
        '  otlp:',
        '    protocols:',
        `      http: { endpoint: "127.0.0.1:${OTLP_PORT}" }`,
        'exporters:',
        `  file: { path: "${spansFile}", flush_interval: 100ms }`,
        'service:',
        '  telemetry: { metrics: { level: none } }',
        '  pipelines:',
        '    traces: { receivers: [otlp], exporters: [file] }',
        '',
      ].join('\n'),
    );
    collector = spawn(otelcol!, [`--config=${path.join(dir, 'config.yaml')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    collector.stderr!.on('data', (chunk) => (log += String(chunk)));
    await eventually(() => Promise.resolve(log.includes('Everything is ready') ? true : undefined), 60_000, 'collector ready');

    const endpoint = `http://127.0.0.1:${OTLP_PORT}`;
    tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'magicai-tracing-test' }, 'magicai-test');
    actAsByDefault({ sub: 'tracing-test', tenant: 'tracing-test', roles: ['admin'] });
    world = await startWorld({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  });

  after(async () => {
    await world?.stop();
    await tracing?.shutdown();
    collector?.kill('SIGTERM');
  });

  it('links the HTTP request, the workflow, its activities and their outbound calls in one trace', async () => {
    const response = await http(world.baseUrl, 'POST', '/v1/stack-checks', { note: 'traced' });
    assert.equal(response.status, 202, response.text);
    const checkId = response.json.checkId as string;
    await eventually(
      async () => {
        const status = await http(world.baseUrl, 'GET', `/v1/stack-checks/${checkId}`);
        return status.json?.status === 'COMPLETED' ? true : undefined;
      },
      60_000,
      'stack check completed',
    );
    await tracing.flush();

    const trace = await eventually(
      () => {
        const spans = readSpans(spansFile);
        const server = spans.find((s) => s.name === 'POST /v1/stack-checks');
        if (!server) return Promise.resolve(undefined);
        const inTrace = spans.filter((s) => s.traceId === server.traceId);
        return inTrace.some((s) => s.name.startsWith('RunActivity:graphStackCheck')) &&
          inTrace.some((s) => s.name.startsWith('RunActivity:indexStackCheck'))
          ? Promise.resolve({ server, inTrace })
          : Promise.resolve(undefined);
      },
      30_000,
      'the trace in the collector',
    );

    const byId = new Map(trace.inTrace.map((s) => [s.spanId, s]));
    const ancestry = (span: Span): string[] => {
      const names: string[] = [];
      for (let at: Span | undefined = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) names.push(at.name);
      return names;
    };
    const find = (prefix: string) => {
      const span = trace.inTrace.find((s) => s.name.startsWith(prefix));
      assert.ok(span, `${prefix} in ${trace.inTrace.map((s) => s.name).join(', ')}`);
      return span;
    };
    // HTTP request -> workflow start -> workflow run -> activity start -> activity run ...
    const start = find('StartWorkflow:stackCheckWorkflow');
    assert.equal(start.parentSpanId, trace.server.spanId);
    const run = find('RunWorkflow:stackCheckWorkflow');
    assert.ok(ancestry(run).includes('StartWorkflow:stackCheckWorkflow'));
    const activity = find('RunActivity:indexStackCheck');
    assert.deepEqual(
      ancestry(activity).filter((name) => /^(RunActivity|StartActivity|RunWorkflow|StartWorkflow|POST)/.test(name)),
      // ... and the test's own fetch (a client span): the API continued the caller's trace.
      [
        'RunActivity:indexStackCheck',
        'StartActivity:indexStackCheck',
        'RunWorkflow:stackCheckWorkflow',
        'StartWorkflow:stackCheckWorkflow',
        'POST /v1/stack-checks',
        'POST',
      ],
    );
    // The activity's outbound HTTP call (Elasticsearch over undici) is its descendant.
    const outbound = trace.inTrace.filter((s) => s.kind === 3 && ancestry(s).includes('RunActivity:indexStackCheck'));
    assert.ok(outbound.length > 0, `client spans under indexStackCheck: ${trace.inTrace.map((s) => `${s.name}(${s.kind})`).join(', ')}`);
    assert.ok(trace.inTrace.every((s) => s.service === 'magicai-tracing-test'));
  });
});
